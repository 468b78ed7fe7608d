package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/roost-containers/roost/pkg/state"
)

// Selection is how start, stop, kill, restart and rm choose their
// containers, as Podman's do: names (and ids), --all, --latest, or
// --filter, which with names keeps only the named ones that match.
type Selection struct {
	Refs    []string
	All     bool
	Latest  bool
	Filters []string // ps's KEY=VALUE keys (restart-policy= among them)
	// CIDFiles name files whose first line is a container id (--cidfile);
	// their ids join Refs.
	CIDFiles []string
	// Ignore skips names that match no container instead of failing.
	Ignore bool
}

// Target is one selected container: its id, and what the command prints
// for it (the name as typed, or the id when the selection was not by name).
type Target struct {
	ID    string
	Input string
}

// Select resolves a selection. A name that matches nothing fails the whole
// selection before anything is done (unless Ignore), so a typo never leaves
// half the named containers stopped.
func (e *Engine) Select(ctx context.Context, s Selection) ([]Target, error) {
	for _, f := range s.CIDFiles {
		id, err := readCIDFile(f)
		if err != nil {
			return nil, err
		}
		s.Refs = append(s.Refs, id)
	}
	switch {
	case len(s.Filters) > 0:
		return e.selectFiltered(ctx, s)
	case s.All:
		return e.selectAll(ctx, false)
	case s.Latest:
		return e.selectAll(ctx, true)
	}
	var out []Target
	for _, ref := range s.Refs {
		id, err := e.Resolve(ref)
		if errors.Is(err, state.ErrNotFound) {
			// A container only storage knows (ps --external) is still
			// one rm may name; Remove finds it there.
			if sc, xerr := e.lookupExternal(ref); xerr == nil {
				id, err = sc.ID, nil
			}
		}
		if errors.Is(err, state.ErrNotFound) && s.Ignore {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Target{ID: id, Input: ref})
	}
	return out, nil
}

// selectAll is every container, newest first, or only the newest.
func (e *Engine) selectAll(ctx context.Context, latest bool) ([]Target, error) {
	list, err := e.List(ctx, ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	if latest && len(list) == 0 {
		return nil, errors.New("--latest: there are no containers")
	}
	if latest {
		list = list[:1]
	}
	out := make([]Target, 0, len(list))
	for _, c := range list {
		out = append(out, Target{ID: c.ID, Input: c.ID})
	}
	return out, nil
}

// selectFiltered lists the containers the filters match, in any state;
// with names, only those whose id or name is one of them.
func (e *Engine) selectFiltered(ctx context.Context, s Selection) ([]Target, error) {
	list, err := e.List(ctx, ListOptions{All: true, Filters: s.Filters})
	if err != nil {
		return nil, err
	}
	var out []Target
	for _, c := range list {
		if len(s.Refs) == 0 || named(&c, s.Refs) {
			out = append(out, Target{ID: c.ID, Input: c.ID})
		}
	}
	return out, nil
}

func named(c *Container, refs []string) bool {
	for _, r := range refs {
		if r == c.ID || r == c.Name {
			return true
		}
	}
	return false
}

// readCIDFile reads the id a --cidfile holds: its first line.
func readCIDFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading CIDFile: %w", err)
	}
	id, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(id), nil
}
