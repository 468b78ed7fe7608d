package format

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// YAML writes v as Podman prints `info`: v's JSON form (its json tags
// name the keys) as YAML, keys sorted, lists at their key's indentation.
func YAML(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	var sb strings.Builder
	writeYAML(&sb, tree, 0)
	_, err = io.WriteString(w, sb.String())
	return err
}

func writeYAML(sb *strings.Builder, v any, indent int) {
	pad := strings.Repeat("  ", indent)
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			writeEntry(sb, pad+yamlScalar(k)+":", t[k], indent)
		}
	case []any:
		for _, item := range t {
			writeEntry(sb, pad+"-", item, indent)
		}
	default:
		sb.WriteString(pad + yamlScalar(v) + "\n")
	}
}

// writeEntry writes "KEY:" or "-" followed by a value: inline when it is a
// scalar or empty, else on the lines below.
func writeEntry(sb *strings.Builder, head string, v any, indent int) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			sb.WriteString(head + " {}\n")
			return
		}
		if strings.HasSuffix(head, "-") {
			// A map in a list starts on the dash's line.
			var inner strings.Builder
			writeYAML(&inner, t, indent+1)
			s := inner.String()
			sb.WriteString(head + " " + strings.TrimLeft(s, " "))
			return
		}
		sb.WriteString(head + "\n")
		writeYAML(sb, t, indent+1)
	case []any:
		if len(t) == 0 {
			sb.WriteString(head + " []\n")
			return
		}
		sb.WriteString(head + "\n")
		// Lists sit at their key's indentation, as Podman's YAML has them.
		writeYAML(sb, t, indent)
	default:
		sb.WriteString(head + " " + yamlScalar(v) + "\n")
	}
}

// yamlScalar writes a JSON scalar, quoting strings YAML would read as
// something else.
func yamlScalar(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case string:
		if needsQuotes(t) {
			return strconv.Quote(t)
		}
		return t
	}
	return fmt.Sprint(v)
}

func needsQuotes(s string) bool {
	if s == "" || strings.TrimSpace(s) != s {
		return true
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n":
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	if strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") {
		return true
	}
	return strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.ContainsAny(s, "\n\t")
}
