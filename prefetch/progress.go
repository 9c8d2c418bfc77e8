package prefetch

import (
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress reports a pass: projects done of total, bytes fetched of the
// sizes known so far.
type progress interface {
	addProjects(n int)
	projectDone()
	addBytes(n int64)
	bytesDone(n int64)
	close()
}

// IsTerminal reports whether f is a character device (a terminal), without
// golang.org/x/term.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// newProgress draws mpb bars on a terminal, logs a line every interval
// otherwise, and does nothing when both are off.
func newProgress(w io.Writer, bars bool, log *slog.Logger, interval time.Duration, what string, inflight func() int64) progress {
	if bars && w != nil {
		return newBarProgress(w, what)
	}
	if interval <= 0 {
		return nopProgress{}
	}
	return newLogProgress(log, interval, what, inflight)
}

type nopProgress struct{}

func (nopProgress) addProjects(int) {}
func (nopProgress) projectDone()    {}
func (nopProgress) addBytes(int64)  {}
func (nopProgress) bytesDone(int64) {}
func (nopProgress) close()          {}

// barProgress is two mpb bars, projects and bytes, with rate and ETA.
type barProgress struct {
	p                  *mpb.Progress
	projects, bytes    *mpb.Bar
	projTotal, byTotal atomic.Int64
}

func newBarProgress(w io.Writer, what string) *barProgress {
	b := &barProgress{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond))}
	b.projects = b.p.AddBar(0,
		mpb.PrependDecorators(decor.Name(what+" projects ", decor.WCSyncSpaceR), decor.CountersNoUnit("%d / %d", decor.WCSyncWidth)),
		mpb.AppendDecorators(decor.AverageSpeed(nil, "% .1f/s", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)),
	)
	b.bytes = b.p.AddBar(0,
		mpb.PrependDecorators(decor.Name(what+" bytes ", decor.WCSyncSpaceR), decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncWidth)),
		mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)),
	)
	return b
}

func (b *barProgress) addProjects(n int) { b.projects.SetTotal(b.projTotal.Add(int64(n)), false) }
func (b *barProgress) projectDone()      { b.projects.Increment() }
func (b *barProgress) addBytes(n int64)  { b.bytes.SetTotal(b.byTotal.Add(n), false) }
func (b *barProgress) bytesDone(n int64) { b.bytes.IncrInt64(n) }
func (b *barProgress) close() {
	b.projects.SetTotal(-1, true)
	b.bytes.SetTotal(-1, true)
	b.p.Wait()
}

// logProgress logs counts periodically, for logs and pipes.
type logProgress struct {
	log                                  *slog.Logger
	what                                 string
	start                                time.Time
	projTotal, projDone, byTotal, byDone atomic.Int64
	stop                                 chan struct{}
	once                                 sync.Once
	// inflight is the bytes of the files still downloading (nil: none).
	inflight func() int64
}

func newLogProgress(log *slog.Logger, interval time.Duration, what string, inflight func() int64) *logProgress {
	l := &logProgress{log: log, what: what, start: time.Now(), stop: make(chan struct{}), inflight: inflight}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.report()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

func (l *logProgress) report() {
	el := time.Since(l.start).Seconds()
	done, total := l.projDone.Load(), l.projTotal.Load()
	// Bytes count as they stream: a large file moves the figure while it
	// downloads, not only once it is complete.
	bytesDone, bytesKnown := l.byDone.Load(), l.byTotal.Load()
	if l.inflight != nil {
		bytesDone = min(bytesDone+l.inflight(), max(bytesKnown, bytesDone))
	}
	attrs := []any{"projects_done", done, "projects", total, "bytes_done", bytesDone, "bytes_known", bytesKnown}
	if el > 0 {
		rate, byteRate := float64(done)/el, float64(bytesDone)/el
		attrs = append(attrs, "projects_per_s", int(rate*10)/10.0, "bytes_per_s", int64(byteRate))
		// The ETA follows the bytes when their total is known (one large
		// file would stall a projects-based one), else the projects.
		switch {
		case byteRate > 0 && bytesKnown > bytesDone:
			attrs = append(attrs, "eta", (time.Duration(float64(bytesKnown-bytesDone)/byteRate) * time.Second).Round(time.Second))
		case rate > 0 && total > done:
			attrs = append(attrs, "eta", (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second))
		}
	}
	l.log.Info(l.what+" progress", attrs...)
}

func (l *logProgress) addProjects(n int) { l.projTotal.Add(int64(n)) }
func (l *logProgress) projectDone()      { l.projDone.Add(1) }
func (l *logProgress) addBytes(n int64)  { l.byTotal.Add(n) }
func (l *logProgress) bytesDone(n int64) { l.byDone.Add(n) }
func (l *logProgress) close()            { l.once.Do(func() { close(l.stop) }) }
