// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestKillDedupFoldsThreadsOfOneProcess: marks of several threads of one
// victim within the window are one kill; the same pid later, another
// process, and an unknown pid are each a kill.
func TestKillDedupFoldsThreadsOfOneProcess(t *testing.T) {
	d := newKillDedup()
	t0 := time.Unix(1000, 0)
	assert.True(t, d.firstOfProcess(42, t0))
	assert.False(t, d.firstOfProcess(42, t0.Add(10*time.Millisecond)))
	assert.False(t, d.firstOfProcess(42, t0.Add(time.Second)))
	assert.True(t, d.firstOfProcess(43, t0.Add(time.Second)))
	assert.True(t, d.firstOfProcess(0, t0.Add(time.Second)))
	assert.True(t, d.firstOfProcess(0, t0.Add(time.Second)))
	assert.True(t, d.firstOfProcess(42, t0.Add(siblingWindow+time.Second)), "a later kill with the same pid counts")
	assert.Equal(t, uint64(2), d.siblings)
	assert.LessOrEqual(t, len(d.last), 2, "old entries are dropped")
}
