// SPDX-License-Identifier: Apache-2.0

package logsource // import "github.com/otelcol-node/otelcol-node/internal/logsource"

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// JournalEntry is the part of a journald entry the receiver uses.
type JournalEntry struct {
	Message string
	// Priority is the syslog priority 0 (emerg) .. 7 (debug), or -1 when the
	// entry has none.
	Priority int
	// Unit is _SYSTEMD_UNIT, the unit the sending process runs in.
	Unit string
	// Cgroup is _SYSTEMD_CGROUP, the cgroup path of the sending process.
	Cgroup string
	// Cursor is __CURSOR, the position to resume after.
	Cursor string
}

// DecodeJournalJSON decodes one line of `journalctl -o json`. Field values are
// strings, or arrays of byte values when the field is not valid UTF-8 or holds
// control characters, or arrays of either when a field repeats
// (systemd.io/JOURNAL_EXPORT_FORMATS, "Journal JSON Format"); a repeated field
// takes its first value. MESSAGE may also be null when it is too large.
func DecodeJournalJSON(line []byte) (JournalEntry, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return JournalEntry{}, fmt.Errorf("%w: journald json: %w", ErrMalformed, err)
	}
	cursor, err := journalField(fields, "__CURSOR")
	if err != nil {
		return JournalEntry{}, err
	}
	if cursor == "" {
		return JournalEntry{}, fmt.Errorf("%w: journald json: no __CURSOR", ErrMalformed)
	}
	e := JournalEntry{Cursor: cursor, Priority: -1}
	if e.Message, err = journalField(fields, "MESSAGE"); err != nil {
		return JournalEntry{}, err
	}
	e.Message = strings.TrimRight(e.Message, "\n")
	if e.Unit, err = journalField(fields, "_SYSTEMD_UNIT"); err != nil {
		return JournalEntry{}, err
	}
	if e.Cgroup, err = journalField(fields, "_SYSTEMD_CGROUP"); err != nil {
		return JournalEntry{}, err
	}
	prio, err := journalField(fields, "PRIORITY")
	if err != nil {
		return JournalEntry{}, err
	}
	if p, convErr := strconv.Atoi(prio); convErr == nil && p >= 0 && p <= 7 {
		e.Priority = p
	}
	return e, nil
}

// journalField returns a field's first value as a string ("" when absent or null).
func journalField(fields map[string]json.RawMessage, key string) (string, error) {
	raw, ok := fields[key]
	if !ok {
		return "", nil
	}
	v, err := journalValue(raw, true)
	if err != nil {
		return "", fmt.Errorf("%w: journald json: field %s: %w", ErrMalformed, key, err)
	}
	return v, nil
}

func journalValue(raw json.RawMessage, allowRepeat bool) (string, error) {
	trimmed := strings.TrimSpace(string(raw))
	switch {
	case trimmed == "null":
		return "", nil
	case strings.HasPrefix(trimmed, `"`):
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case strings.HasPrefix(trimmed, "["):
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return "", err
		}
		if len(items) == 0 {
			return "", nil
		}
		first := strings.TrimSpace(string(items[0]))
		if allowRepeat && (strings.HasPrefix(first, `"`) || strings.HasPrefix(first, "[")) {
			// A repeated field: take its first value.
			return journalValue(items[0], false)
		}
		var b []byte
		for _, it := range items {
			var n int
			if err := json.Unmarshal(it, &n); err != nil || n < 0 || n > 255 {
				return "", fmt.Errorf("byte array holds %s", it)
			}
			b = append(b, byte(n))
		}
		return string(b), nil
	default:
		return "", fmt.Errorf("unexpected value %.20s", trimmed)
	}
}
