// SPDX-License-Identifier: Apache-2.0

package e2e

import "strconv"

func itoa(i int) string { return strconv.Itoa(i) }
