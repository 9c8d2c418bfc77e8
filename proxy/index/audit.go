package index

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The rules a policy decision names in the audit log and the counter.
const (
	RuleRoutePin   = "route_pin"   // a routing rule chose the index
	RuleRouteProbe = "route_probe" // the first index in order that has the project
	RuleFailClosed = "fail_closed" // an index failed: no later index was asked
	RuleCooldown   = "cooldown"    // a file younger than --min-release-age
	RuleExclude    = "exclude_newer"
	RuleNoTime     = "no_upload_time" // no upload-time under a cooldown
	RuleRemoved    = "removed"        // a file that left its page upstream
	RuleQuarantine = "quarantined"    // PEP 792 quarantine
	RuleFilter     = "filter"         // the block/allow lists
	RuleReadDenied = "read_denied"    // a caller may not read the index
)

var policyDecisions = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "pypi_proxy_policy_decisions_total",
	Help: "Policy decisions (routing, cooldown, removals, quarantine, lists, read rules), by rule.",
}, []string{"rule"})

// Audit records one policy decision: one structured log event with the
// project, the file ("" for a whole page), the index and the rule, and
// the counter by rule.
func (s *Service) Audit(project, file, index, rule string) {
	policyDecisions.WithLabelValues(rule).Inc()
	s.log.Info("policy decision", "event", "policy", "rule", rule, "project", project, "file", file, "index", index)
}
