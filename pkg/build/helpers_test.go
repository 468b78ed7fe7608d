package build

import (
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func runLine(t *testing.T, c instructions.Command) instructions.ShellDependantCmdLine {
	t.Helper()
	r, ok := c.(*instructions.RunCommand)
	if !ok {
		t.Fatalf("%T is not RUN", c)
	}
	return r.ShellDependantCmdLine
}
