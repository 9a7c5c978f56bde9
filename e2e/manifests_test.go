// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
)

// kubernetesManifests are the files of examples/ that kubectl applies; every
// other file there is checked by the test of its own kind (examplesByKind).
var kubernetesManifests = []string{"daemonset.yaml"}

// manifest is one decoded Kubernetes manifest file.
type manifest struct {
	namespaces      []*corev1.Namespace
	serviceAccounts []*corev1.ServiceAccount
	configMaps      []*corev1.ConfigMap
	daemonSets      []*appsv1.DaemonSet
}

// capabilitiesAllowed are the capabilities the README documents as needed;
// adding one is a decision to make there first.
var capabilitiesAllowed = []corev1.Capability{"BPF", "PERFMON", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH", "SYS_RESOURCE"}

// TestManifestsDecodeStrictly decodes every document of every Kubernetes
// manifest in examples/ into the Kubernetes API types, failing on any field the
// API does not know (a typo the API server would reject or silently drop), and
// validates the collector config each ConfigMap carries with the binary.
func TestManifestsDecodeStrictly(t *testing.T) {
	root := e2etest.RepoRoot(t)
	for _, name := range kubernetesManifests {
		t.Run(name, func(t *testing.T) {
			m := decodeManifest(t, filepath.Join(root, "examples", name))
			require.NotEmpty(t, m.daemonSets, "%s has no DaemonSet", name)
			for _, cm := range m.configMaps {
				for key, config := range cm.Data {
					t.Run("ConfigMap "+cm.Name+"/"+key, func(t *testing.T) {
						validateConfig(t, writeTemp(t, config))
					})
				}
			}
		})
	}
}

// TestDaemonSetStarts checks what makes the kubelet refuse or break the pod,
// which the schema alone does not: mounts that name no volume, hostPath types
// that need something only some nodes have, a config path nothing mounts, a
// probe on a port nothing serves, and privileges beyond the documented set.
func TestDaemonSetStarts(t *testing.T) {
	root := e2etest.RepoRoot(t)
	m := decodeManifest(t, filepath.Join(root, "examples", "daemonset.yaml"))
	require.Len(t, m.daemonSets, 1)
	ds := m.daemonSets[0]
	pod := ds.Spec.Template.Spec

	assert.True(t, pod.HostPID, "hostPID: container attribution and taskstats need host pids")
	assert.Contains(t, pod.Tolerations, corev1.Toleration{Operator: corev1.TolerationOpExists}, "a toleration of every taint, to run on every node")
	assert.Equal(t, ds.Spec.Selector.MatchLabels, intersect(ds.Spec.Template.Labels, ds.Spec.Selector.MatchLabels), "the selector must match the pod labels")

	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
		if hp := v.HostPath; hp != nil && hp.Type != nil {
			// Socket, File and CharDevice fail the pod on a node that lacks
			// them (a containerd-only node has no /var/run/docker.sock).
			assert.Contains(t, []corev1.HostPathType{corev1.HostPathDirectory, corev1.HostPathDirectoryOrCreate}, *hp.Type,
				"volume %q: hostPath type %q stops the pod on nodes without %s", v.Name, *hp.Type, hp.Path)
		}
		if hp := v.HostPath; hp != nil {
			assert.NotContains(t, hp.Path, ".sock", "volume %q mounts a socket file; mount its directory", v.Name)
		}
	}
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	mounts := map[string]corev1.VolumeMount{}
	for _, vm := range c.VolumeMounts {
		_, ok := volumes[vm.Name]
		assert.True(t, ok, "volumeMount %q names no volume", vm.Name)
		mounts[vm.MountPath] = vm
	}

	// The config file the args name comes from the ConfigMap that is mounted.
	configPath := argAfter(c.Args, "--config")
	require.NotEmpty(t, configPath, "container args name no --config")
	cfgMount, ok := mounts[filepath.Dir(configPath)]
	require.True(t, ok, "nothing is mounted at %s", filepath.Dir(configPath))
	cmName := volumes[cfgMount.Name].ConfigMap
	require.NotNil(t, cmName, "volume %q is not a ConfigMap", cfgMount.Name)
	config := configMapData(t, m, cmName.Name, filepath.Base(configPath))

	cfg := map[string]any{}
	require.NoError(t, yaml.Unmarshal([]byte(config), &cfg))

	// file_storage writes into a writable mount that lives on the host, so
	// offsets survive a restart; and the log receiver uses it.
	dir, _ := yamlLookup(cfg, "extensions", "file_storage", "directory").(string)
	require.NotEmpty(t, dir, "the config has no file_storage extension with a directory")
	state, ok := mounts[dir]
	require.True(t, ok, "file_storage directory %s is not a mounted volume", dir)
	assert.False(t, state.ReadOnly, "the state volume must be writable")
	assert.NotNil(t, volumes[state.Name].HostPath, "the state volume must outlive the pod (hostPath)")
	assert.Contains(t, yamlLookup(cfg, "service", "extensions"), "file_storage")
	assert.Equal(t, "file_storage", yamlLookup(cfg, "receivers", "container_log_pattern", "storage"),
		"container_log_pattern must keep its offsets in file_storage")

	// journald needs journalctl, which the FROM scratch image does not have.
	assert.Equal(t, false, yamlLookup(cfg, "receivers", "container_log_pattern", "journald", "enabled"),
		"the journald source must be off: the image has no journalctl")

	// The readiness probe asks health_check on the port the config opens.
	require.NotNil(t, c.ReadinessProbe, "no readiness probe")
	require.NotNil(t, c.ReadinessProbe.HTTPGet, "readiness probe is not an HTTP GET")
	port := c.ReadinessProbe.HTTPGet.Port.String()
	for _, p := range c.Ports {
		if p.Name == port {
			port = fmt.Sprint(p.ContainerPort)
		}
	}
	assert.Equal(t, "0.0.0.0:"+port, yamlLookup(cfg, "extensions", "health_check", "endpoint"),
		"the readiness probe's port is not health_check's")
	assert.Contains(t, yamlLookup(cfg, "service", "extensions"), "health_check")

	// Least privilege: named capabilities, nothing privileged.
	sc := c.SecurityContext
	require.NotNil(t, sc)
	assert.False(t, sc.Privileged != nil && *sc.Privileged, "the collector container must not be privileged")
	assert.True(t, sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, "readOnlyRootFilesystem")
	require.NotNil(t, sc.Capabilities)
	assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
	for _, cp := range sc.Capabilities.Add {
		assert.Contains(t, capabilitiesAllowed, cp, "capability %s is not one the README documents", cp)
	}

	// Requests and limits, so the scheduler reserves room and a leak is capped.
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		_, ok := c.Resources.Requests[res]
		assert.True(t, ok, "no %s request", res)
	}
	_, ok = c.Resources.Limits[corev1.ResourceMemory]
	assert.True(t, ok, "no memory limit")
}

// decodeManifest reads a multi-document manifest strictly into API types and
// fails the test on any error.
func decodeManifest(t *testing.T, path string) manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	m, errs := decodeManifestData(data)
	for _, err := range errs {
		t.Errorf("%s: %v", path, err)
	}
	return m
}

// decodeManifestData decodes every document, returning one error per
// document that names an unknown kind or holds a field its type lacks.
func decodeManifestData(data []byte) (manifest, []error) {
	var m manifest
	var errs []error
	for i, doc := range splitYAMLDocuments(data) {
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i, err))
			continue
		}
		var obj any
		switch meta.APIVersion + "/" + meta.Kind {
		case "v1/Namespace":
			o := &corev1.Namespace{}
			m.namespaces, obj = append(m.namespaces, o), o
		case "v1/ServiceAccount":
			o := &corev1.ServiceAccount{}
			m.serviceAccounts, obj = append(m.serviceAccounts, o), o
		case "v1/ConfigMap":
			o := &corev1.ConfigMap{}
			m.configMaps, obj = append(m.configMaps, o), o
		case "apps/v1/DaemonSet":
			o := &appsv1.DaemonSet{}
			m.daemonSets, obj = append(m.daemonSets, o), o
		case "rbac.authorization.k8s.io/v1/ClusterRole":
			obj = &rbacv1.ClusterRole{}
		case "rbac.authorization.k8s.io/v1/ClusterRoleBinding":
			obj = &rbacv1.ClusterRoleBinding{}
		default:
			errs = append(errs, fmt.Errorf("document %d: kind %q of %q is not one this test knows; add its API type", i, meta.Kind, meta.APIVersion))
			continue
		}
		if err := unmarshalLikeAPIServer(doc, obj); err != nil {
			errs = append(errs, fmt.Errorf("document %d (%s): %w", i, meta.Kind, err))
		}
	}
	return m, errs
}

// unmarshalLikeAPIServer decodes as the API server's strict field validation
// does: duplicate keys, unknown fields and fields in the wrong case (hostPid
// for hostPID, which encoding/json would accept) are errors.
func unmarshalLikeAPIServer(doc []byte, obj any) error {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(js, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// TestStrictDecodingRejects shows what the strict decoding catches that a
// plain YAML parse or encoding/json lets through.
func TestStrictDecodingRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"field in the wrong case":  "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      hostPid: true\n",
		"field at the wrong level": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nconfig.yaml: |\n  receivers: {}\n",
		"duplicate key":            "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\nmetadata: {name: y}\n",
		"unknown kind":             "apiVersion: v1\nkind: Sevrice\nmetadata: {name: x}\n",
		"misspelt field":           "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\nautomountServiceAcountToken: false\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, errs := decodeManifestData([]byte(doc))
			assert.Len(t, errs, 1, "%s was accepted", name)
		})
	}
	_, errs := decodeManifestData([]byte("# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"))
	assert.Empty(t, errs)
}

// splitYAMLDocuments splits on "---" lines and drops documents holding only
// comments.
func splitYAMLDocuments(data []byte) [][]byte {
	var docs [][]byte
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, []byte(doc))
		}
	}
	return docs
}

func stripComments(doc string) []byte {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return []byte(b.String())
}

func configMapData(t *testing.T, m manifest, name, key string) string {
	t.Helper()
	for _, cm := range m.configMaps {
		if cm.Name == name {
			data, ok := cm.Data[key]
			require.True(t, ok, "ConfigMap %s has no key %s", name, key)
			return data
		}
	}
	t.Fatalf("no ConfigMap %s", name)
	return ""
}

// yamlLookup walks nested maps of a decoded YAML document; nil when a key is absent.
func yamlLookup(doc any, keys ...string) any {
	for _, k := range keys {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		doc = m[k]
	}
	return doc
}

func argAfter(args []string, flag string) string {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return ""
	}
	return args[i+1]
}

func intersect(labels, keys map[string]string) map[string]string {
	out := map[string]string{}
	for k := range keys {
		if v, ok := labels[k]; ok {
			out[k] = v
		}
	}
	return out
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}
