// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParsePodLogPath(t *testing.T) {
	tests := []struct {
		path                           string
		namespace, pod, uid, container string
		wantErr                        string
	}{
		{path: "/var/log/pods/kube-system_coredns-7db6d8ff4d-x2x9k_" + fixturePodUID + "/coredns/0.log",
			namespace: "kube-system", pod: "coredns-7db6d8ff4d-x2x9k", uid: fixturePodUID, container: "coredns"},
		{path: "/host/var/log/pods/shop_web-0_" + fixturePodUID + "/nginx/3.log",
			namespace: "shop", pod: "web-0", uid: fixturePodUID, container: "nginx"},
		// Rotated files keep the directory layout.
		{path: "/var/log/pods/shop_web-0_" + fixturePodUID + "/nginx/0.log.20261122-024500",
			namespace: "shop", pod: "web-0", uid: fixturePodUID, container: "nginx"},
		{path: "/var/log/pods/kube-system_etcd-node-1_" + fixtureStaticID + "/etcd/0.log",
			namespace: "kube-system", pod: "etcd-node-1", uid: fixtureStaticID, container: "etcd"},
		{path: "/var/log/pods/shop_web-0/nginx/0.log", wantErr: `pod directory "shop_web-0" is not <namespace>_<pod>_<uid>`},
		{path: "/var/log/pods/a_b_c_d/nginx/0.log", wantErr: `pod directory "a_b_c_d" is not <namespace>_<pod>_<uid>`},
		{path: "/var/log/pods/shop__" + fixturePodUID + "/nginx/0.log", wantErr: "is not <namespace>_<pod>_<uid>"},
		{path: "/var/log/pods/shop_web-0_" + fixturePodUID + "/nginx/", wantErr: "is not a CRI log file"},
		{path: "/var/log/containers/web-0_shop_nginx-" + fixtureID + ".txt", wantErr: "is not a CRI log file"},
		{path: "0.log", wantErr: "no container directory"},
		{path: "", wantErr: "is not a CRI log file"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			namespace, pod, uid, container, err := ParsePodLogPath(tt.path)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.ErrorContains(t, err, "parsing pod log path")
				assert.Empty(t, namespace+pod+uid+container)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, []string{tt.namespace, tt.pod, tt.uid, tt.container}, []string{namespace, pod, uid, container})
		})
	}
}

func FuzzParsePodLogPath(f *testing.F) {
	f.Add("/var/log/pods/shop_web-0_" + fixturePodUID + "/nginx/0.log")
	f.Fuzz(func(t *testing.T, path string) {
		namespace, pod, uid, container, err := ParsePodLogPath(path)
		if err == nil && (namespace == "" || pod == "" || uid == "" || container == "") {
			t.Fatalf("no error but an empty part from %q", path)
		}
	})
}

func TestParseContainerLogName(t *testing.T) {
	namespace, pod, container, id, err := ParseContainerLogName("coredns-7db6d8ff4d-x2x9k_kube-system_coredns-" + fixtureID + ".log")
	assert.NoError(t, err)
	assert.Equal(t, []string{"kube-system", "coredns-7db6d8ff4d-x2x9k", "coredns", fixtureID}, []string{namespace, pod, container, id})

	for name, wantErr := range map[string]string{
		"web-0_shop_nginx-" + fixtureID:               "want <pod>_<namespace>_<container>-<id>.log",
		"web-0_nginx-" + fixtureID + ".log":           "want <pod>_<namespace>_<container>-<id>.log",
		"web-0_shop_nginx-" + fixtureID[:60] + ".log": "no <container>-<64hex id> before .log",
		"web-0_shop_-" + fixtureID + ".log":           "no <container>-<64hex id> before .log",
		"web-0_shop_" + fixtureID + ".log":            "no <container>-<64hex id> before .log",
	} {
		_, _, _, _, err := ParseContainerLogName(name)
		assert.ErrorContains(t, err, wantErr, name)
		assert.ErrorContains(t, err, "parsing container log name", name)
	}
}

func FuzzParseContainerLogName(f *testing.F) {
	f.Add("web-0_shop_nginx-" + fixtureID + ".log")
	f.Fuzz(func(t *testing.T, name string) {
		namespace, pod, container, id, err := ParseContainerLogName(name)
		if err == nil && (namespace == "" || pod == "" || container == "" || !isContainerID(id)) {
			t.Fatalf("no error but a bad part from %q", name)
		}
	})
}

// TestPodLogFileKey: the kubelet's link target and the path the collector
// reads meet on the last three elements, whatever the mount prefix.
func TestPodLogFileKey(t *testing.T) {
	want := "shop_web-0_" + fixturePodUID + "/nginx/1.log"
	for _, path := range []string{
		"/var/log/pods/shop_web-0_" + fixturePodUID + "/nginx/1.log",
		"/host/var/log/pods/shop_web-0_" + fixturePodUID + "/nginx/1.log",
		"../../pods/shop_web-0_" + fixturePodUID + "/nginx/1.log", // a relative link
	} {
		key, ok := podLogFileKey(path)
		assert.True(t, ok, path)
		assert.Equal(t, want, key, path)
	}
	for _, path := range []string{"/var/log/pods/shop_web-0/nginx/1.log", "1.log", "/"} {
		_, ok := podLogFileKey(path)
		assert.False(t, ok, path)
	}
}
