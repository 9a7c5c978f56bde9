// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import "errors"

// errUnsupportedPlatform: taskstats and procfs are Linux interfaces.
var errUnsupportedPlatform = errors.New("delay accounting is only available on Linux")

var errProcessGone = errors.New("process has exited")

type taskstatsConn struct{}

func dialTaskstats() (*taskstatsConn, error) { return nil, errUnsupportedPlatform }

func (*taskstatsConn) threadGroup(uint32) (taskstatsRecord, error) {
	return taskstatsRecord{}, errUnsupportedPlatform
}

func (*taskstatsConn) Close() error { return nil }

type exitListener struct{}

func listenExits(string) (*exitListener, error) { return nil, errUnsupportedPlatform }

func (*exitListener) wait() (bool, error) { return true, errUnsupportedPlatform }

func (*exitListener) drain(func(exitNotification)) (int, error) { return 0, errUnsupportedPlatform }

func (*exitListener) Stop() {}

func (*exitListener) Close() error { return nil }

type procScanner struct{ root string }

func (*procScanner) listPIDs(pids []uint32) ([]uint32, error) { return pids, errUnsupportedPlatform }

func (*procScanner) threadCount(uint32, []byte) uint32 { return 1 }

func sameNamespaceAsHost(string, string) (same, ok bool) { return false, false }
