// Package pyargs converts the values of PyTorch-style keyword arguments, as encoding/json decodes them
// (float64, json.Number, []any) or as Go code writes them (any integer or float kind, slices of them), into
// Go numbers. losses.New and training.NewOptimizer share it, so both accept the same spellings.
package pyargs

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
)

// Float converts a number of any Go integer or float kind, or a json.Number, to float64.
func Float(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}

// Int converts an integral number (a float such as JSON's 3.0 counts; 3.5 does not) to int.
func Int(v any) (int, bool) {
	f, ok := Float(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

// Floats converts a list of numbers, or a rectangular list of lists of numbers (as encoding/json decodes a
// nested array, or a Go [][]float64), into its values in row-major order and its dimensions.
func Floats(v any) (values []float64, dims []int, ok bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, nil, false
	}
	n := rv.Len()
	if n == 0 {
		return nil, []int{0}, true
	}
	if _, isNumber := Float(rv.Index(0).Interface()); isNumber {
		values = make([]float64, n)
		for i := range n {
			if values[i], ok = Float(rv.Index(i).Interface()); !ok {
				return nil, nil, false
			}
		}
		return values, []int{n}, true
	}
	var inner []int
	for i := range n {
		vals, d, ok := Floats(rv.Index(i).Interface())
		if !ok || (i > 0 && !slices.Equal(d, inner)) {
			return nil, nil, false
		}
		inner = d
		values = append(values, vals...)
	}
	return values, append([]int{n}, inner...), true
}
