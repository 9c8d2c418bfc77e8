package prefetch

import (
	"errors"
	"fmt"
	"sync"
)

// MassDeletePercent is the share of the mirrored projects one pass may
// remove without Config.AllowMassDelete: more than this (at least one
// project may always go), or every mirrored project, stops the pass before
// it deletes anything. A wrong upstream URL looks exactly like upstream
// deleting everything; bandersnatch users have lost mirrors that way, and
// rsync has --max-delete for the same reason.
const MassDeletePercent = 5

// ErrMassDelete is a pass refused because it would remove more projects
// than MassDeletePercent allows.
var ErrMassDelete = errors.New("refusing a mass deletion")

// deleteBudget counts the removals of one pass against its allowance.
type deleteBudget struct {
	mu      sync.Mutex
	known   int // projects mirrored when the pass began
	allowed int // removals allowed; <0: unlimited
	used    int
	refused int
}

// newDeleteBudget is the allowance of a pass over a mirror of known
// projects; unlimited with AllowMassDelete.
func newDeleteBudget(known int, unlimited bool) *deleteBudget {
	b := &deleteBudget{known: known, allowed: max(1, known*MassDeletePercent/100)}
	if unlimited {
		b.allowed = -1
	}
	return b
}

// plan checks the removals a pass knows of before it starts: more than
// allowed, or every mirrored project, refuses the whole pass.
func (b *deleteBudget) plan(removals int) error {
	if b.allowed < 0 || removals == 0 {
		return nil
	}
	if removals > b.allowed || removals >= b.known {
		return b.err(removals, "nothing was removed")
	}
	return nil
}

// take asks to remove one project found gone during the pass (its page is
// a 404 upstream); false once the allowance is spent.
func (b *deleteBudget) take() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.allowed >= 0 && (b.used >= b.allowed || b.used+1 >= b.known) {
		b.refused++
		return false
	}
	b.used++
	return true
}

// refusal is the pass's error when take refused removals, else nil.
func (b *deleteBudget) refusal() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refused == 0 {
		return nil
	}
	return b.err(b.used+b.refused, fmt.Sprintf("%d were refused and stay to do", b.refused))
}

func (b *deleteBudget) err(removals int, done string) error {
	return fmt.Errorf("%w: this pass would remove %d of the %d mirrored projects (more than %d%%, at most %d without the flag); "+
		"%s and status did not advance. Check --upstream (it must be the Simple API root, "+
		"e.g. https://pypi.org/simple/) and the filters; if the removals are wanted, rerun with --allow-mass-delete",
		ErrMassDelete, removals, b.known, MassDeletePercent, b.allowed, done)
}

// errRemovalRefused fails a project whose removal the allowance refused:
// it stays in todo, and the pass reports the refusal.
var errRemovalRefused = fmt.Errorf("%w: removal refused (see the pass's error)", ErrMassDelete)

// startDeleteBudget sets the pass's allowance and checks the removals
// todo plans: removed upstream, or mirrored and now filtered out.
func (m *Mirror) startDeleteBudget(todo *todoList) error {
	known := m.knownCopy()
	b := newDeleteBudget(len(known), m.cfg.AllowMassDelete)
	planned := 0
	for name, c := range todo.Projects {
		if _, mirrored := known[name]; mirrored && (c.Removed || !m.cfg.Filters.Project(name)) {
			planned++
		}
	}
	if err := b.plan(planned); err != nil {
		return err
	}
	m.deletes = b
	return nil
}
