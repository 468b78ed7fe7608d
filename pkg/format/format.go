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
	"json":     jsonFunc,
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	"title":    func(s string) string { return strings.Title(s) }, //nolint:staticcheck // ASCII words only
	"join":     strings.Join,
	"split":    strings.Split,
	"truncate": truncate,
	"pad":      func(s string, n int) string { return fmt.Sprintf("%-*s", n, s) },
}

// jsonFunc is {{json .X}}: one line, with <, > and & as they are (Podman's
// templates do not escape them for HTML).
func jsonFunc(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
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
func JSON(w io.Writer, v any) error { return JSONIndent(w, v, "     ") }

// JSONIndent writes v with the given indent (Podman's ps and images use two
// spaces, its inspect five), without escaping <, > and & for HTML.
func JSONIndent(w io.Writer, v any, indent string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	_, err := w.Write(b.Bytes())
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

// actionRe finds a template's actions; fieldRe the first field an action reads.
var (
	actionRe = regexp.MustCompile(`\{\{-?\s*(.*?)\s*-?\}\}`)
	fieldRe  = regexp.MustCompile(`\.(\w+)`)
)

// Header is the title of a column showing field name: the entry of headers
// for it, else the name split into its words in capitals ("ImageID" is
// "IMAGE ID"), as Podman titles its columns.
func Header(name string, headers map[string]string) string {
	if h, ok := headers[name]; ok {
		return h
	}
	return strings.ToUpper(strings.Join(SplitCamel(name), " "))
}

// SplitCamel splits a Go field name into its words: "CreatedAt" into
// Created and At, "ImageID" into Image and ID, "IDName" into ID and Name.
func SplitCamel(s string) []string {
	r := []rune(s)
	var words []string
	start := 0
	for i := 1; i < len(r); i++ {
		lowerToUpper := isLower(r[i-1]) && isUpper(r[i])
		acronymEnd := isUpper(r[i-1]) && isUpper(r[i]) && i+1 < len(r) && isLower(r[i+1])
		if lowerToUpper || acronymEnd {
			words = append(words, string(r[start:i]))
			start = i
		}
	}
	if start < len(r) {
		words = append(words, string(r[start:]))
	}
	return words
}

func isLower(c rune) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
func isUpper(c rune) bool { return c >= 'A' && c <= 'Z' }

// headerLine turns a table's row template into its header: each action
// becomes the title of the first field it reads ({{.Names}}, {{json
// .Labels}}, {{.Label "app"}}); text between actions stays.
func headerLine(body string, headers map[string]string) string {
	return actionRe.ReplaceAllStringFunc(body, func(m string) string {
		f := fieldRe.FindStringSubmatch(actionRe.FindStringSubmatch(m)[1])
		if f == nil {
			return ""
		}
		return Header(f[1], headers)
	})
}

// Table renders items under a header made from a `table {{.A}}\t{{.B}}`
// template (see headerLine). A bare "table" is not a template: callers pass
// their default instead.
func Table[T any](w io.Writer, f string, headers map[string]string, items []T, noHeading bool) error {
	body := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f), "table"))
	body = tableColumns(strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(body))
	t, err := Template(body)
	if err != nil {
		return err
	}
	// tabwriter writes every cell and its padding separately: buffered,
	// a table of hundreds of rows is a few writes instead of thousands.
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)
	if !noHeading {
		fmt.Fprintln(tw, headerLine(body, headers))
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

// tableColumns makes each space outside template actions a column break, as
// Podman does for `table` formats: `table {{.A}} {{.B}}` aligns like
// `table {{.A}}\t{{.B}}`. Spaces inside {{...}} stay, so string arguments
// such as {{.Label "a b"}} are untouched.
func tableColumns(body string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(body); i++ {
		switch {
		case strings.HasPrefix(body[i:], "{{"):
			depth++
			b.WriteString("{{")
			i++
		case depth > 0 && strings.HasPrefix(body[i:], "}}"):
			depth--
			b.WriteString("}}")
			i++
		case depth == 0 && body[i] == ' ':
			b.WriteByte('\t')
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String()
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
	case f == "" || strings.TrimSpace(f) == "table":
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

var inspectIDRe = regexp.MustCompile(`{{\s*\.Id\s*}}`)

// InspectTemplate reads the older or Docker names Podman's inspect accepts
// as its own: {{.Id}}, .Src and .Dst of mounts, and .ImageID of a container.
func InspectTemplate(f string) string {
	f = inspectIDRe.ReplaceAllString(f, "{{.ID}}")
	return strings.NewReplacer(".Src", ".Source", ".Dst", ".Destination", ".ImageID", ".Image").Replace(f)
}
