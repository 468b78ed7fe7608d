//go:build compose

package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/roost-containers/roost/compose"
)

// composePrinter prints compose's events as Docker Compose does: progress
// and warnings on stderr, log lines on stdout behind a "name  | " prefix,
// coloured on a terminal. compose calls it one event at a time.
type composePrinter struct {
	out, errOut io.Writer
	colour      bool
	noPrefix    bool // logs --no-log-prefix
	width       int  // the longest container name of the stream
}

func (a *app) newComposePrinter() *composePrinter {
	return &composePrinter{out: a.out, errOut: a.errOut, colour: term.IsTerminal(int(os.Stdout.Fd()))}
}

func (p *composePrinter) print(e compose.Event) {
	switch e := e.(type) {
	case compose.Progress:
		fmt.Fprintf(p.errOut, " %s %s  %s\n", e.Resource, e.Name, e.State)
	case compose.Warning:
		fmt.Fprintf(p.errOut, "WARNING: %s: %s\n", e.Name, e.Message)
	case compose.LogsStarting:
		p.width = 0
		for _, n := range e.Containers {
			p.width = max(p.width, len(n))
		}
	case compose.LogLine:
		prefix := ""
		if !p.noPrefix {
			prefix = logPrefix(e.Container, p.width, e.Index, p.colour)
		}
		io.WriteString(p.out, prefix+e.Text+"\n") // one write: lines stay whole
	case compose.Stopping:
		switch e.Reason {
		case compose.StopInterrupted:
			fmt.Fprintln(p.errOut, "Gracefully stopping... (press Ctrl+C again to force)")
		case compose.StopExited:
			fmt.Fprintf(p.errOut, "%s exited: aborting\n", e.Container)
		}
	}
}

// logPrefix is "name  | ", coloured on a terminal as Docker Compose does.
func logPrefix(name string, width, i int, colour bool) string {
	p := fmt.Sprintf("%-*s | ", width, name)
	if !colour {
		return p
	}
	colours := []int{36, 33, 32, 35, 34, 96, 93, 92, 95, 94}
	return fmt.Sprintf("\x1b[%dm%s\x1b[0m", colours[i%len(colours)], p)
}
