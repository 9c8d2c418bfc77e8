package fakepypi

// Demo project names published by PublishDemo.
const (
	// DemoA is "projecta": 1.0 requires projectb>=1.0; 1.1 is yanked; 2.0b1 is a pre-release.
	DemoA = "projecta"
	// DemoB is "projectb": 1.0 requires projectc; 1.1 requires Python >=3.99 (skipped by real Pythons).
	DemoB = "projectb"
	// DemoC is "projectc": 1.0 and 1.1, no dependencies.
	DemoC = "projectc"
	// DemoD is "Project_D" (normalized "project-d"): 1.0 with the extra "fancy" pulling in projectc.
	DemoD = "Project_D"
)

// PublishDemo publishes the demo set used by tests, benchmarks and cmd/fakepypi:
//
//   - projecta 1.0 (requires projectb>=1.0), 1.1 (yanked, "broken build"), 2.0b1 (pre-release)
//   - projectb 1.0 (requires projectc>=1.0), 1.1 (Requires-Python ">=3.99")
//   - projectc 1.0, 1.1
//   - Project_D 1.0 (Provides-Extra fancy; `projectc>=1.0; extra == "fancy"`), display name
//     not normalized, to exercise redirects
//
// "pip download projecta" on Python 3.11 resolves projecta 1.0, projectb 1.0 and projectc 1.1.
// Every release has a wheel (with PEP 658 metadata) and an sdist.
func PublishDemo(u *Upstream) {
	u.Publish(DemoC, Release{Version: "1.0"})
	u.Publish(DemoC, Release{Version: "1.1"})
	u.Publish(DemoB, Release{Version: "1.0", Requires: []string{"projectc>=1.0"}, RequiresPython: ">=3.7"})
	u.Publish(DemoB, Release{Version: "1.1", Requires: []string{"projectc>=1.0"}, RequiresPython: ">=3.99"})
	u.Publish(DemoA, Release{Version: "1.0", Requires: []string{"projectb>=1.0"}})
	u.Publish(DemoA, Release{Version: "1.1", Requires: []string{"projectb>=1.0"}})
	u.Yank(DemoA, "1.1", "broken build")
	u.Publish(DemoA, Release{Version: "2.0b1", Requires: []string{"projectb>=1.1"}})
	u.Publish(DemoD, Release{
		Version:  "1.0",
		Extras:   []string{"fancy"},
		Requires: []string{`projectc>=1.0; extra == "fancy"`},
	})
}
