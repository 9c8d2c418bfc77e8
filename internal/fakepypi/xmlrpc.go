package fakepypi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// defaultChangelogPageSize is PyPI's cap on changelog_since_serial rows.
const defaultChangelogPageSize = 50000

// xmlValue is an XML-RPC <value> as encoding/xml sees it.
type xmlValue struct {
	Int     *string    `xml:"int"`
	I4      *string    `xml:"i4"`
	I8      *string    `xml:"i8"`
	Boolean *string    `xml:"boolean"`
	String  *string    `xml:"string"`
	Double  *string    `xml:"double"`
	Nil     *struct{}  `xml:"nil"`
	Array   *xmlArray  `xml:"array"`
	Struct  *xmlStruct `xml:"struct"`
	Text    string     `xml:",chardata"`
}

type xmlArray struct {
	Values []xmlValue `xml:"data>value"`
}

type xmlStruct struct {
	Members []struct {
		Name  string   `xml:"name"`
		Value xmlValue `xml:"value"`
	} `xml:"member"`
}

type xmlParams struct {
	Params []xmlValue `xml:"params>param>value"`
}

type xmlCall struct {
	XMLName    xml.Name `xml:"methodCall"`
	MethodName string   `xml:"methodName"`
	xmlParams
}

type xmlResponse struct {
	XMLName xml.Name `xml:"methodResponse"`
	xmlParams
	Fault *xmlValue `xml:"fault>value"`
}

// decode turns v into Go values: int64, bool, string, float64, nil, []any, map[string]any.
func (v xmlValue) decode() (any, error) {
	switch {
	case v.Int != nil:
		return strconv.ParseInt(strings.TrimSpace(*v.Int), 10, 64)
	case v.I4 != nil:
		return strconv.ParseInt(strings.TrimSpace(*v.I4), 10, 64)
	case v.I8 != nil:
		return strconv.ParseInt(strings.TrimSpace(*v.I8), 10, 64)
	case v.Boolean != nil:
		return strings.TrimSpace(*v.Boolean) == "1", nil
	case v.String != nil:
		return *v.String, nil
	case v.Double != nil:
		return strconv.ParseFloat(strings.TrimSpace(*v.Double), 64)
	case v.Nil != nil:
		return nil, nil
	case v.Array != nil:
		out := make([]any, 0, len(v.Array.Values))
		for _, e := range v.Array.Values {
			d, err := e.decode()
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	case v.Struct != nil:
		out := make(map[string]any, len(v.Struct.Members))
		for _, m := range v.Struct.Members {
			d, err := m.Value.decode()
			if err != nil {
				return nil, err
			}
			out[m.Name] = d
		}
		return out, nil
	}
	return v.Text, nil // a bare <value>text</value> is a string
}

func decodeParams(ps []xmlValue) ([]any, error) {
	out := make([]any, len(ps))
	for i, p := range ps {
		d, err := p.decode()
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// encodeValue writes v as an XML-RPC <value>. Supported: nil (the <nil/> extension PyPI uses),
// bool, int, int64, string, []any, [][]any, map[string]int64, map[string]any (keys sorted).
func encodeValue(b *bytes.Buffer, v any) {
	b.WriteString("<value>")
	switch x := v.(type) {
	case nil:
		b.WriteString("<nil/>")
	case bool:
		if x {
			b.WriteString("<boolean>1</boolean>")
		} else {
			b.WriteString("<boolean>0</boolean>")
		}
	case int:
		b.WriteString("<int>" + strconv.Itoa(x) + "</int>")
	case int64:
		b.WriteString("<int>" + strconv.FormatInt(x, 10) + "</int>")
	case string:
		b.WriteString("<string>")
		xml.EscapeText(b, []byte(x))
		b.WriteString("</string>")
	case []any:
		b.WriteString("<array><data>")
		for _, e := range x {
			encodeValue(b, e)
		}
		b.WriteString("</data></array>")
	case [][]any:
		b.WriteString("<array><data>")
		for _, e := range x {
			encodeValue(b, e)
		}
		b.WriteString("</data></array>")
	case map[string]int64:
		encodeStruct(b, x)
	case map[string]any:
		encodeStruct(b, x)
	default:
		panic(fmt.Sprintf("fakepypi: cannot encode %T as XML-RPC", v))
	}
	b.WriteString("</value>")
}

func encodeStruct[V any](b *bytes.Buffer, m map[string]V) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b.WriteString("<struct>")
	for _, k := range keys {
		b.WriteString("<member><name>")
		xml.EscapeText(b, []byte(k))
		b.WriteString("</name>")
		encodeValue(b, m[k])
		b.WriteString("</member>")
	}
	b.WriteString("</struct>")
}

const xmlHeader = "<?xml version='1.0'?>\n"

func encodeResponse(v any) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader + "<methodResponse>\n<params>\n<param>\n")
	encodeValue(&b, v)
	b.WriteString("\n</param>\n</params>\n</methodResponse>\n")
	return b.Bytes()
}

func encodeFault(code int, msg string) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader + "<methodResponse>\n<fault>\n")
	encodeValue(&b, map[string]any{"faultCode": code, "faultString": msg})
	b.WriteString("\n</fault>\n</methodResponse>\n")
	return b.Bytes()
}

// serveXMLRPC answers the mirroring subset of PyPI's XML-RPC API.
func (u *Upstream) serveXMLRPC(w http.ResponseWriter, r *http.Request) {
	var call xmlCall
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = xml.Unmarshal(body, &call)
	}
	var out []byte
	if err != nil {
		out = encodeFault(-32700, "parse error: "+err.Error())
	} else if args, err := decodeParams(call.Params); err != nil {
		out = encodeFault(-32602, "invalid params: "+err.Error())
	} else if res, err := u.callXMLRPC(call.MethodName, args); err != nil {
		out = encodeFault(-32601, err.Error())
	} else {
		out = encodeResponse(res)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.Write(out)
}

// callXMLRPC runs one method.
func (u *Upstream) callXMLRPC(method string, args []any) (any, error) {
	switch method {
	case "changelog_last_serial":
		return u.Serial(), nil
	case "list_packages_with_serial":
		return u.ProjectSerials(), nil
	case "changelog_since_serial":
		if len(args) != 1 {
			return nil, errors.New("changelog_since_serial takes one argument")
		}
		since, ok := args[0].(int64)
		if !ok {
			return nil, errors.New("changelog_since_serial: serial must be an int")
		}
		size := u.opts.ChangelogPageSize
		if size <= 0 {
			size = defaultChangelogPageSize
		}
		rows := u.Changelog(since, size)
		out := make([]any, len(rows))
		for i, e := range rows {
			var ver any
			if e.Version != "" {
				ver = e.Version
			}
			out[i] = []any{e.Name, ver, e.Time.Unix(), e.Action, e.Serial}
		}
		return out, nil
	}
	return nil, fmt.Errorf("RuntimeError: method %q does not exist", method)
}
