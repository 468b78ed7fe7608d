// Package containerfile reads a Containerfile (or Dockerfile) into stages
// with buildkit's maintained parser, and names the file and line of
// anything wrong with it.
package containerfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// File is a parsed Containerfile.
type File struct {
	Name     string // how messages name it
	Stages   []instructions.Stage
	MetaArgs []instructions.ArgCommand // ARGs before the first FROM
	Escape   rune
}

// Error is something wrong at a line of a Containerfile.
type Error struct {
	File string
	Line int // 0: the file as a whole
	Err  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Parse reads data, the content of the file called name.
func Parse(name string, data []byte) (*File, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, locate(name, err, 0)
	}
	if len(res.AST.Children) == 0 {
		return nil, &Error{File: name, Err: errors.New("the file has no instructions")}
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, locate(name, err, 0)
	}
	if len(stages) == 0 {
		return nil, &Error{File: name, Err: errors.New("no FROM instruction: a Containerfile must start with FROM (ARG may come before it)")}
	}
	return &File{Name: name, Stages: stages, MetaArgs: meta, Escape: res.EscapeToken}, nil
}

// locate turns the parser's errors into one line naming the file and line.
func locate(name string, err error, line int) error {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
	}
	var ui *instructions.UnknownInstructionError
	if errors.As(err, &ui) {
		return &Error{File: name, Line: ui.Line, Err: fmt.Errorf("unknown instruction: %s", strings.ToUpper(ui.Instruction))}
	}
	msg := err.Error()
	// The parser's own wrapping repeats the line we already give.
	if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "dockerfile parse error on line ") && i > 0 {
		msg = msg[i+2:]
	}
	return &Error{File: name, Line: line, Err: errors.New(msg)}
}

// At is an error at a command's line.
func At(name string, cmd interface{ Location() []parser.Range }, err error) error {
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	line := 0
	if loc := cmd.Location(); len(loc) > 0 {
		line = loc[0].Start.Line
	}
	return &Error{File: name, Line: line, Err: err}
}
