// SPDX-License-Identifier: Apache-2.0

package loglevel // import "github.com/otelcol-node/otelcol-node/internal/loglevel"

// Level is the severity of a message, one of the six of the metric
// contract. The zero value is Unknown.
type Level uint8

// The levels, from least to most severe after Unknown.
const (
	Unknown  Level = iota // no level could be told
	Debug                 // debug, trace, fine, verbose
	Info                  // info, notice
	Warning               // warning, warn
	Error                 // error, err, severe
	Critical              // critical, fatal, panic, emergency, alert
)

var levelNames = [...]string{
	Unknown:  "unknown",
	Debug:    "debug",
	Info:     "info",
	Warning:  "warning",
	Error:    "error",
	Critical: "critical",
}

// String returns the name used as the `level` attribute value.
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return levelNames[Unknown]
}

// FromSyslogPriority maps a syslog or journald PRIORITY (0 emerg .. 7 debug).
func FromSyslogPriority(p int) Level {
	switch {
	case p < 0 || p > 7:
		return Unknown
	case p <= 2: // emerg, alert, crit
		return Critical
	case p == 3: // err
		return Error
	case p == 4: // warning
		return Warning
	case p <= 6: // notice, info
		return Info
	default: // debug
		return Debug
	}
}

// ParseName maps a level name as loggers write it, in any case: "ERROR",
// "warn", "Warning", "crit", "fatal", "panic", "notice", "trace",
// java.util.logging's "SEVERE" and "FINE", .NET's "fail" and "dbug", and
// glog/klog/Android single letters ("E", "W", "I", "D", "V", "F"). It
// reports false for anything else.
func ParseName(s string) (Level, bool) {
	if len(s) == 0 || len(s) > 11 {
		return Unknown, false
	}
	var buf [11]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(s)]) {
	case "FATAL", "F", "CRITICAL", "CRIT", "EMERG", "EMERGENCY", "ALERT", "PANIC", "DPANIC":
		return Critical, true
	case "ERROR", "ERR", "E", "SEVERE", "EROR", "FAIL":
		return Error, true
	case "WARNING", "WARN", "W", "WRN":
		return Warning, true
	case "INFO", "I", "INF", "NOTICE", "INFORMATION", "INFORMATIONAL", "CONFIG":
		return Info, true
	case "DEBUG", "D", "DBG", "DBUG", "TRACE", "TRC", "TRCE", "FINE", "FINER", "FINEST", "VERBOSE", "V", "T":
		return Debug, true
	}
	return Unknown, false
}

// fromNumber maps a numeric level: syslog priorities 0-7, or the levels
// of bunyan and pino (10 trace .. 60 fatal).
func fromNumber(n int) Level {
	switch {
	case n >= 0 && n <= 7:
		return FromSyslogPriority(n)
	case n == 10 || n == 20:
		return Debug
	case n == 30:
		return Info
	case n == 40:
		return Warning
	case n == 50:
		return Error
	case n == 60:
		return Critical
	}
	return Unknown
}
