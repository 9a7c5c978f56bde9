// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"sync"
	"time"
)

// exitLookupBudget allows at most perSecond /proc lookups per wall-clock
// second, so a fork storm on the host cannot turn every exit into file reads.
type exitLookupBudget struct {
	mu        sync.Mutex
	perSecond int
	window    int64 // Unix second of the current window
	used      int
}

func newExitLookupBudget(perSecond int) *exitLookupBudget {
	return &exitLookupBudget{perSecond: perSecond}
}

// take spends one lookup, reporting false when this second's budget is spent.
func (b *exitLookupBudget) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if sec := now.Unix(); sec != b.window {
		b.window, b.used = sec, 0
	}
	if b.used >= b.perSecond {
		return false
	}
	b.used++
	return true
}
