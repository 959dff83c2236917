//go:build !noxla && cgo && ((linux && amd64) || darwin)

package lib

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

// The first fields of PJRT_Api (pjrt_c_api.h), stable since PJRT C API 0.1: its size, the extension chain and
// the PJRT_Api_Version struct.
typedef struct { size_t struct_size; void* extension_start; int major_version; int minor_version; } lossbook_pjrt_version;
typedef struct { size_t struct_size; void* extension_start; lossbook_pjrt_version pjrt_api_version; } lossbook_pjrt_api_head;
typedef const lossbook_pjrt_api_head* (*lossbook_get_api)(void);

static const char* lossbook_plugin_version(const char* path, int* major, int* minor) {
	// The handle stays open: go-xla loads the same file next, and dlopen then returns this handle.
	void* h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL) return dlerror();
	lossbook_get_api get = (lossbook_get_api)dlsym(h, "GetPjrtApi");
	if (get == NULL) return "GetPjrtApi not found";
	const lossbook_pjrt_api_head* api = get();
	if (api == NULL) return "GetPjrtApi returned NULL";
	*major = api->pjrt_api_version.major_version;
	*minor = api->pjrt_api_version.minor_version;
	return NULL;
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// pluginAPIVersion loads the plugin and reads the PJRT C API version it reports.
func pluginAPIVersion(path string) (major, minor int, ok bool, err error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var cmajor, cminor C.int
	if msg := C.lossbook_plugin_version(cpath, &cmajor, &cminor); msg != nil {
		return 0, 0, false, errors.New(C.GoString(msg))
	}
	return int(cmajor), int(cminor), true, nil
}
