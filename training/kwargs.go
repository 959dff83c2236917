package training

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
)

// kwargs reads torch-style keyword arguments from a map, with the values either as encoding/json decodes them
// (float64, bool, string, []any, nil) or as Go-typed values (int, float32, []float64, [2]float64, ...).
type kwargs struct {
	what string // the call, for error messages, e.g. `NewOptimizer("AdamW")`
	args map[string]any
}

// errorf prefixes the error with the package and the call.
func (k kwargs) errorf(format string, args ...any) error {
	return fmt.Errorf("training: %s: %s", k.what, fmt.Sprintf(format, args...))
}

// check returns an error naming the first unknown key (in sorted order) and listing the valid ones.
func (k kwargs) check(valid []string) error {
	keys := make([]string, 0, len(k.args))
	for key := range k.args {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	sorted := slices.Clone(valid)
	slices.Sort(sorted)
	for _, key := range keys {
		if !slices.Contains(valid, key) {
			return k.errorf("unknown option %q; valid options are %s", key, strings.Join(sorted, ", "))
		}
	}
	return nil
}

// has reports whether key is given with a non-nil value (JSON null and Python's None mean "default").
func (k kwargs) has(key string) bool {
	v, ok := k.args[key]
	return ok && v != nil
}

// describe names a value and its Go type for error messages.
func describe(v any) string {
	return fmt.Sprintf("%#v (%T)", v, v)
}

// toFloat converts the numeric kinds encoding/json and Go users produce.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}

// float reads a number into dst if key is given.
func (k kwargs) float(key string, dst *float64) error {
	if !k.has(key) {
		return nil
	}
	f, ok := toFloat(k.args[key])
	if !ok {
		return k.errorf("option %q must be a number, got %s", key, describe(k.args[key]))
	}
	*dst = f
	return nil
}

// floatOrInf reads a number, or the string "inf" (as torch's float('inf') accepts), into dst.
func (k kwargs) floatOrInf(key string, dst *float64) error {
	if s, ok := k.args[key].(string); ok {
		switch strings.ToLower(s) {
		case "inf", "+inf", "infinity":
			*dst = math.Inf(1)
			return nil
		}
		return k.errorf("option %q must be a number or \"inf\", got %s", key, describe(s))
	}
	return k.float(key, dst)
}

// int reads an integer (a JSON number must be integral) into dst.
func (k kwargs) int(key string, dst *int) error {
	if !k.has(key) {
		return nil
	}
	f, ok := toFloat(k.args[key])
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return k.errorf("option %q must be an integer, got %s", key, describe(k.args[key]))
	}
	*dst = int(f)
	return nil
}

// bool reads a boolean into dst.
func (k kwargs) bool(key string, dst *bool) error {
	if !k.has(key) {
		return nil
	}
	b, ok := k.args[key].(bool)
	if !ok {
		return k.errorf("option %q must be a bool, got %s", key, describe(k.args[key]))
	}
	*dst = b
	return nil
}

// ignoredBool accepts torch's implementation-only flags (foreach, fused, ...): a bool or nil, otherwise an error.
func (k kwargs) ignoredBool(key string) error {
	var b bool
	return k.bool(key, &b)
}

// floatPair reads a list of two numbers (torch's betas tuple) into dst.
func (k kwargs) floatPair(key string, dst *[2]float64) error {
	if !k.has(key) {
		return nil
	}
	v := k.args[key]
	rv := reflect.ValueOf(v)
	if (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Len() == 2 {
		var pair [2]float64
		ok := true
		for i := range 2 {
			var okI bool
			pair[i], okI = toFloat(rv.Index(i).Interface())
			ok = ok && okI
		}
		if ok {
			*dst = pair
			return nil
		}
	}
	return k.errorf("option %q must be a list of 2 numbers, got %s", key, describe(v))
}

// strings reads a string or a list of strings into dst.
func (k kwargs) strings(key string, dst *[]string) error {
	if !k.has(key) {
		return nil
	}
	v := k.args[key]
	if s, ok := v.(string); ok {
		*dst = []string{s}
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]string, rv.Len())
		ok := true
		for i := range rv.Len() {
			out[i], ok = rv.Index(i).Interface().(string)
			if !ok {
				break
			}
		}
		if ok {
			*dst = out
			return nil
		}
	}
	return k.errorf("option %q must be a string or a list of strings, got %s", key, describe(v))
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// lookupName finds name among valid, exactly or else ignoring case.
func lookupName(name string, valid []string) (string, bool) {
	for _, v := range valid {
		if v == name {
			return v, true
		}
	}
	for _, v := range valid {
		if strings.EqualFold(v, name) {
			return v, true
		}
	}
	return "", false
}
