// SPDX-License-Identifier: Apache-2.0

package loglevel

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want Level
	}{
		{"plain text", "Connection from 10.0.0.1 port 22", Unknown},
		{"empty", "", Unknown},
		{"prose mentions error", "retrying after a network error on attempt 3", Unknown},
		{"late upper-case word", "user 1 user 2 user 3 user 4 user 5 user 6 user 7 ERROR", Unknown},

		{"glog error", "E0102 15:04:05.123456    1234 main.go:42] could not dial", Error},
		{"glog warning", "W1231 23:59:59.000000 1 reflector.go:1] watch closed", Warning},
		{"klog info", "I0614 10:00:00.000001       1 server.go:99] Serving", Info},
		{"glog fatal", "F0614 10:00:00.000001 1 main.go:9] boom", Critical},
		{"not glog", "E1 is a road", Unknown},

		{"logfmt warn", `ts=2024-01-02T10:00:00Z level=warn msg="disk almost full"`, Warning},
		{"logfmt quoted", `level="error" msg=oops`, Error},
		{"go slog text", `time=2024-01-02T10:00:00.000Z level=ERROR msg="request failed" status=500`, Error},
		{"logrus", `time="2024-01-02T10:00:00Z" level=debug msg="cache miss"`, Debug},
		{"logfmt lvl", `lvl=info msg=started`, Info},
		{"logfmt numeric syslog", `severity=3 msg=x`, Error},

		{"json level", `{"level":"error","msg":"request failed"}`, Error},
		{"json severity", `{"time":"2024","severity":"WARNING","message":"slow"}`, Warning},
		{"json spaces", `{ "msg" : "x", "level" : "info" }`, Info},
		{"json pino numeric", `{"level":50,"time":1,"msg":"boom"}`, Error},
		{"json pino fatal", `{"level":60,"msg":"dead"}`, Critical},
		{"json python", `{"levelname": "CRITICAL", "message": "x"}`, Critical},
		{"json ecs", `{"@timestamp":"2024","log.level":"debug","message":"x"}`, Debug},
		{"json value is not a key", `{"msg":"level","note":"ERROR"}`, Unknown},
		{"json without level", `{"msg":"ERROR happened"}`, Unknown},
		{"json cut", `{"msg":"x","level":"err`, Unknown},

		{"python root", "ERROR:root:something broke", Error},
		{"python warning", "WARNING:urllib3.connectionpool:Retrying", Warning},
		{"python logging default", "2024-01-02 10:00:00,123 - app.db - WARNING - slow query", Warning},
		{"python traceback", "Traceback (most recent call last):\n  File \"x.py\", line 1", Error},

		{"java logback", "2024-01-02 10:00:00.123 ERROR [main] c.e.App - failed", Error},
		{"java log4j padded", "2024-01-02 10:00:00,123 [main] WARN  com.example.App - slow", Warning},
		{"java info", "2024-01-02T10:00:00.123Z  INFO 1 --- [main] o.s.b.App : Started", Info},
		{"java severe", "Jan 02, 2024 10:00:00 AM com.example.App run SEVERE: failed", Error},
		{"java uncaught", `Exception in thread "main" java.lang.NullPointerException`, Error},

		{"go log prefix", "2024/01/02 10:00:00 ERROR: cannot open file", Error},
		{"go panic", "panic: runtime error: index out of range [3] with length 3", Critical},
		{"zap console", "2024-01-02T10:00:00.000Z\tWARN\tserver/main.go:12\tslow", Warning},

		{"nginx error", "2024/01/02 10:00:00 [error] 29#29: *1 open() failed", Error},
		{"nginx crit", "2024/01/02 10:00:00 [crit] 29#29: *1 SSL failed", Critical},
		{"nginx notice", "2024/01/02 10:00:00 [notice] 1#1: start worker processes", Info},
		{"apache 2.4", "[Tue Jan 02 10:00:00.123 2024] [core:error] [pid 1] AH00037: Symbolic link", Error},
		{"apache 2.2", "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6", Error},
		{"bracketed upper", "[WARN] low memory", Warning},
		{"angle", "<info> started", Info},

		{"bare WARNING", "WARNING: no swap configured", Warning},
		{"bare FATAL", "FATAL could not bind", Critical},
		{"bare CRIT", "CRIT service down", Critical},
		{"lower first word", "error: cannot lock ref", Error},
		{"title first word", "Warning: Permanently added host", Warning},
		{"lower not first", "the build has error: yes", Unknown},
		{"dotnet", "fail: Microsoft.AspNetCore[1] Unhandled exception", Error},
		{"trace", "TRACE entering function", Debug},

		{"printk priority", "<3>EXT4-fs error (device sda1)", Error},
		{"syslog pri with facility", "<30>systemd[1]: Started", Info},
		{"not a priority", "<html> page", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Detect(tt.msg), "%q", tt.msg)
		})
	}
}

func TestFromSyslogPriority(t *testing.T) {
	want := []Level{Critical, Critical, Critical, Error, Warning, Info, Info, Debug}
	for p, w := range want {
		assert.Equal(t, w, FromSyslogPriority(p), "priority %d", p)
	}
	assert.Equal(t, Unknown, FromSyslogPriority(-1))
	assert.Equal(t, Unknown, FromSyslogPriority(8))
}

func TestParseName(t *testing.T) {
	for name, want := range map[string]Level{
		"ERROR": Error, "err": Error, "Severe": Error,
		"warn": Warning, "WARNING": Warning, "W": Warning,
		"info": Info, "NOTICE": Info,
		"debug": Debug, "trace": Debug, "FINEST": Debug,
		"fatal": Critical, "panic": Critical, "crit": Critical, "EMERG": Critical, "alert": Critical,
	} {
		got, ok := ParseName(name)
		assert.True(t, ok, name)
		assert.Equal(t, want, got, name)
	}
	for _, name := range []string{"", "main", "errors", "information-technology", "x"} {
		_, ok := ParseName(name)
		assert.False(t, ok, name)
	}
}

func TestLevelString(t *testing.T) {
	assert.Equal(t, "critical", Critical.String())
	assert.Equal(t, "error", Error.String())
	assert.Equal(t, "warning", Warning.String())
	assert.Equal(t, "info", Info.String())
	assert.Equal(t, "debug", Debug.String())
	assert.Equal(t, "unknown", Unknown.String())
	assert.Equal(t, "unknown", Level(200).String())
}

// FuzzDetect: any input gives one of the six levels and never panics, and
// the answer depends on the message only.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		`{"level":"error"}`, `{"level":`, `{"a":"\"`, "<3", "<999>x", "E0102 ", "level=", `lvl="`, "[", "[]:", "ERROR:",
		"\xff\xfe", "Traceback (most recent call last)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		l := Detect(msg)
		if l > Critical {
			t.Fatalf("Detect(%q) = %d, not a level", msg, l)
		}
		if again := Detect(msg); again != l {
			t.Fatalf("Detect(%q) changed from %v to %v", msg, l, again)
		}
	})
}
