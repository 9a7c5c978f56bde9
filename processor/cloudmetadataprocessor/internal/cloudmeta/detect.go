// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// azureAssetTag is the DMI chassis asset tag of every Azure VM. sys_vendor
// alone ("Microsoft Corporation") also matches on-premises Hyper-V guests,
// which have no metadata service, so Azure is detected by this tag.
const azureAssetTag = "7783-7084-3265-9085-8269-3286-77"

// dmiFiles are the files Detect reads under <sysfs root>/class/dmi/id.
// product_uuid is root-only on most kernels and is not needed.
var dmiFiles = []string{"sys_vendor", "product_name", "bios_vendor", "board_vendor", "chassis_vendor", "chassis_asset_tag"}

// DMI is what the firmware tells about the machine.
type DMI struct {
	SysVendor, ProductName, BIOSVendor, BoardVendor, ChassisVendor, ChassisAssetTag string
	// HypervisorUUID is /sys/hypervisor/uuid, which starts with "ec2" on
	// older Xen-based EC2 instances whose DMI says only "Xen".
	HypervisorUUID string
}

// ReadDMI reads the DMI identification files under sysfsRoot (normally
// /sys). Missing files are normal (containers, non-x86 machines) and read as
// empty; other read errors are returned.
func ReadDMI(sysfsRoot string) (DMI, error) {
	vals := make(map[string]string, len(dmiFiles)+1)
	var errs []error
	read := func(key, path string) {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			vals[key] = strings.TrimSpace(string(b))
		case !errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("reading %s: %w", path, err))
		}
	}
	for _, name := range dmiFiles {
		read(name, filepath.Join(sysfsRoot, "class", "dmi", "id", name))
	}
	read("hypervisor_uuid", filepath.Join(sysfsRoot, "hypervisor", "uuid"))
	return DMI{
		SysVendor:       vals["sys_vendor"],
		ProductName:     vals["product_name"],
		BIOSVendor:      vals["bios_vendor"],
		BoardVendor:     vals["board_vendor"],
		ChassisVendor:   vals["chassis_vendor"],
		ChassisAssetTag: vals["chassis_asset_tag"],
		HypervisorUUID:  vals["hypervisor_uuid"],
	}, errors.Join(errs...)
}

// Provider tells which cloud the DMI data belongs to, ProviderNone if none.
func (d DMI) Provider() Provider {
	switch {
	case strings.HasPrefix(strings.ToLower(d.HypervisorUUID), "ec2"),
		d.SysVendor == "Amazon EC2", d.BoardVendor == "Amazon EC2", d.BIOSVendor == "Amazon EC2":
		return ProviderAWS
	case d.SysVendor == "Google", d.BoardVendor == "Google", d.ProductName == "Google Compute Engine":
		return ProviderGCP
	case d.ChassisAssetTag == azureAssetTag:
		return ProviderAzure
	case d.SysVendor == "Hetzner":
		return ProviderHetzner
	case d.SysVendor == "DigitalOcean", d.BoardVendor == "DigitalOcean":
		return ProviderDigitalOcean
	case d.ChassisAssetTag == "OracleCloud.com":
		return ProviderOracle
	case d.SysVendor == "Alibaba Cloud":
		return ProviderAlibaba
	case d.SysVendor == "Scaleway":
		return ProviderScaleway
	}
	return ProviderNone
}

// Detect reads DMI under sysfsRoot and returns the provider it names.
func Detect(sysfsRoot string) (Provider, DMI, error) {
	d, err := ReadDMI(sysfsRoot)
	return d.Provider(), d, err
}
