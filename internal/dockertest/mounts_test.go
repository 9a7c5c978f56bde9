// SPDX-License-Identifier: Apache-2.0

package dockertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMountPointsUnder(t *testing.T) {
	// Shaped like the mounts a killed dockerd 20.10 leaves in /proc/self/mountinfo.
	mountinfo := []byte(`22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
310 22 0:58 / /tmp/odt-1234/data/overlay2/3f57/merged rw,relatime - overlay overlay rw,lowerdir=/tmp/odt-1234/data/overlay2/l/ABC
311 22 0:59 / /tmp/odt-1234/data/containers/8a1b/mounts/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k
312 22 0:4 net:[4026532500] /tmp/odt-1234/exec/netns/4a1c rw shared:200 - nsfs nsfs rw
313 22 0:60 / /tmp/odt-1234/data/with\040space rw - tmpfs tmpfs rw
314 22 0:61 / /tmp/odt-12345/data rw - tmpfs tmpfs rw
315 22 0:62 / /tmp/odt-1234/exec/netns/4a1c rw shared:201 - nsfs nsfs rw
`)
	assert.Equal(t, []string{
		"/tmp/odt-1234/exec/netns/4a1c", // stacked: the upper mount first
		"/tmp/odt-1234/data/with space",
		"/tmp/odt-1234/exec/netns/4a1c",
		"/tmp/odt-1234/data/containers/8a1b/mounts/shm",
		"/tmp/odt-1234/data/overlay2/3f57/merged",
	}, mountPointsUnder(mountinfo, "/tmp/odt-1234"))
	assert.Empty(t, mountPointsUnder(mountinfo, "/var/lib/docker"))
}
