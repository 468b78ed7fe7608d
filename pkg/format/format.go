// Package format renders command output the way Podman users script against it:
// `--format json`, Go templates (`{{.ID}}`), and `table ...` templates with
// aligned columns and a header row.
package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"text/template"
)

// Funcs are the template functions Podman's templates commonly use.
var Funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	"title":    func(s string) string { return strings.Title(s) }, //nolint:staticcheck // ASCII words only
	"join":     strings.Join,
	"split":    strings.Split,
	"truncate": truncate,
	"pad":      func(s string, n int) string { return fmt.Sprintf("%-*s", n, s) },
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// IsJSON reports whether the user asked for JSON output.
func IsJSON(f string) bool {
	f = strings.TrimSpace(f)
	return f == "json" || f == "{{json .}}"
}

// JSON writes v indented, as Podman prints inspect output.
func JSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "     ")
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// Template parses a user's --format string. It normalises the escape sequences
// users type in shells (\t, \n) and reports a bad template as one clear line.
func Template(f string) (*template.Template, error) {
	f = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(f)
	t, err := template.New("format").Funcs(Funcs).Option("missingkey=error").Parse(f)
	if err != nil {
		return nil, fmt.Errorf("invalid --format template: %w", err)
	}
	return t, nil
}

// Each writes one line per item using the user's Go template (not a table).
func Each[T any](w io.Writer, f string, items []T) error {
	t, err := Template(f)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w) // one write, not one per line (ps -a of hundreds)
	defer bw.Flush()
	w = bw
	for _, it := range items {
		var buf bytes.Buffer
		if err := t.Execute(&buf, it); err != nil {
			return fmt.Errorf("--format: %w", err)
		}
		s := buf.String()
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
	}
	return nil
}

var fieldRe = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// Table renders items under a header made from a `table {{.A}}\t{{.B}}`
// template: each field's header is its name in capitals, or the entry of
// headers for it (Podman prints "IMAGE ID" for {{.ID}}, for instance).
func Table[T any](w io.Writer, f string, headers map[string]string, items []T, noHeading bool) error {
	body := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f), "table"))
	body = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(body)
	t, err := Template(body)
	if err != nil {
		return err
	}
	// tabwriter writes every cell and its padding separately: buffered,
	// a table of hundreds of rows is a few writes instead of thousands.
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)
	if !noHeading {
		head := fieldRe.ReplaceAllStringFunc(body, func(m string) string {
			name := fieldRe.FindStringSubmatch(m)[1]
			if h, ok := headers[name]; ok {
				return h
			}
			return strings.ToUpper(name)
		})
		fmt.Fprintln(tw, head)
	}
	for _, it := range items {
		var buf bytes.Buffer
		if err := t.Execute(&buf, it); err != nil {
			return fmt.Errorf("--format: %w", err)
		}
		fmt.Fprintln(tw, strings.TrimRight(buf.String(), "\n"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// List prints items in whichever form the user asked for: json, a table
// template, or a plain Go template. def is the default table template.
func List[T any](w io.Writer, f, def string, headers map[string]string, items []T, noHeading bool) error {
	switch {
	case IsJSON(f):
		if items == nil {
			items = []T{}
		}
		return JSON(w, items)
	case f == "":
		return Table(w, def, headers, items, noHeading)
	case strings.HasPrefix(strings.TrimSpace(f), "table"):
		return Table(w, f, headers, items, noHeading)
	default:
		return Each(w, f, items)
	}
}

// One prints a single value: json, or a Go template applied to it.
func One(w io.Writer, f string, v any) error {
	if f == "" || IsJSON(f) {
		return JSON(w, v)
	}
	return Each(w, f, []any{v})
}
