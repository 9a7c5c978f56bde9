// SPDX-License-Identifier: Apache-2.0

package dockertest

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBusyboxRootfs(t *testing.T) {
	requireStaticBusybox(t)
	data, err := busyboxRootfs(busyboxPath)
	require.NoError(t, err)

	entries := map[string]*tar.Header{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		entries[h.Name] = h
	}
	require.Contains(t, entries, "bin/busybox")
	assert.Equal(t, int64(0o755), entries["bin/busybox"].Mode)
	for _, applet := range []string{"sh", "sleep", "cat"} {
		require.Contains(t, entries, "bin/"+applet)
		assert.Equal(t, byte(tar.TypeSymlink), entries["bin/"+applet].Typeflag)
		assert.Equal(t, "busybox", entries["bin/"+applet].Linkname)
	}
	assert.Equal(t, int64(0o1777), entries["tmp/"].Mode)

	again, err := busyboxRootfs(busyboxPath)
	require.NoError(t, err)
	assert.Equal(t, data, again, "the rootfs tar is reproducible")

	_, err = busyboxRootfs("/nonexistent/busybox")
	assert.ErrorContains(t, err, "reading busybox")
}
