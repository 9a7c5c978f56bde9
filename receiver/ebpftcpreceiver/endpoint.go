// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// defaultEphemeralRange is the kernel default of net.ipv4.ip_local_port_range,
// used when the sysctl cannot be read.
var defaultEphemeralRange = portRange{low: 32768, high: 60999}

// portRange is an inclusive range of ports, like ip_local_port_range.
type portRange struct {
	low, high uint16
}

func (r portRange) contains(port uint16) bool {
	return port >= r.low && port <= r.high
}

var errBadPortRange = errors.New("malformed port range")

// readEphemeralRange reads ip_local_port_range ("32768\t60999\n").
func readEphemeralRange(path string) (portRange, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return portRange{}, fmt.Errorf("reading ephemeral port range: %w", err)
	}
	return parsePortRange(string(data))
}

func parsePortRange(s string) (portRange, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return portRange{}, fmt.Errorf("%w: %q", errBadPortRange, s)
	}
	low, errLow := strconv.ParseUint(fields[0], 10, 16)
	high, errHigh := strconv.ParseUint(fields[1], 10, 16)
	if errLow != nil || errHigh != nil || low > high {
		return portRange{}, fmt.Errorf("%w: %q", errBadPortRange, s)
	}
	return portRange{low: uint16(low), high: uint16(high)}, nil
}

// formatEndpoint renders host:port with IPv6 in brackets; IPv4-mapped IPv6
// addresses (a dual-stack socket dialling IPv4) are shown as IPv4 so that
// the same backend has one name.
func formatEndpoint(addr netip.Addr, port uint16) string {
	return netip.AddrPortFrom(addr.Unmap(), port).String()
}
