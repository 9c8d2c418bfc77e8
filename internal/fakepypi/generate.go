package fakepypi

import (
	"fmt"
	"runtime"
	"sync"
)

// GenerateProjects publishes n small projects named "genpkg-NNNNNN", each with releasesPer
// wheel-only releases ("1.0.0", "1.0.1", ...) of a few hundred bytes, for mirror benchmarks.
// Repeated calls add further projects. Files are built in parallel; a few thousand take well
// under two seconds.
func (u *Upstream) GenerateProjects(n, releasesPer int) {
	if n <= 0 || releasesPer <= 0 {
		return
	}
	u.mu.Lock()
	first := u.generated
	u.generated += n
	u.mu.Unlock()

	type job struct {
		name  string
		rels  []Release
		files [][]*fileEntry
	}
	jobs := make([]job, n)
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				j := &jobs[i]
				j.name = fmt.Sprintf("genpkg-%06d", first+i)
				for k := 0; k < releasesPer; k++ {
					r := Release{Version: fmt.Sprintf("1.0.%d", k), Wheel: true, RequiresPython: ">=3.7"}
					j.rels = append(j.rels, r)
					j.files = append(j.files, buildDists(j.name, r))
				}
			}
		}()
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()

	u.mu.Lock()
	defer u.mu.Unlock()
	for _, j := range jobs {
		p := u.ensureProjectLocked(j.name)
		for k, r := range j.rels {
			rel := u.ensureReleaseLocked(p, r.Version, func() *release {
				return &release{version: r.Version, requiresPython: r.RequiresPython, summary: summaryFor(j.name, r)}
			})
			for _, f := range j.files[k] {
				u.addFileLocked(p, rel, f, r.UploadTime)
			}
		}
	}
}
