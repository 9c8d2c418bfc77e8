package main

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pypi-proxy/pypi-proxy/internal/units"
)

// durationsAsStrings is the JSON logs' ReplaceAttr: slog writes a
// time.Duration as integer nanoseconds ("grace":30000000000); people and
// log tools read "30s".
func durationsAsStrings(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// clientHost is the host:port a client on this machine reaches a listener
// at: a wildcard address (0.0.0.0, ::) becomes 127.0.0.1.
func clientHost(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// pipCommand is the line to give pip for a proxy listening at addr.
func pipCommand(addr net.Addr) string {
	return "pip install --index-url http://" + clientHost(addr) + "/simple/ PACKAGE"
}

// humanBytes writes a byte count in binary units: 1.5 GiB, 320 KiB, 12 B.
func humanBytes(n int64) string { return units.Bytes(n) }

// humanDuration rounds a duration for a summary: 1h2m3s, 4.2s, 15ms.
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}
