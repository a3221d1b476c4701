// Package jsonschema validates JSON documents against the small subset of
// JSON Schema (draft 2020-12) that libvet's own schemas use: type, const,
// enum, required, properties, additionalProperties false, items and local
// $ref. It exists for tests; it is not a general validator.
package jsonschema

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Validate checks doc against schema and returns one message per problem.
func Validate(schema, doc []byte) ([]string, error) {
	var root map[string]any
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("parse document: %w", err)
	}
	return validate(root, root, v, "$"), nil
}

// validate checks doc against the subset of JSON Schema that schema.json
// uses: type, const, enum, required, properties, additionalProperties
// false, items and local $ref.
func validate(root, schema map[string]any, doc any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		def, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: unknown $ref %s", at, ref)}
		}
		return validate(root, def, doc, at)
	}
	var errs []string
	if c, ok := schema["const"]; ok && c != doc {
		errs = append(errs, fmt.Sprintf("%s: %v is not %v", at, doc, c))
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == doc {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", at, doc, enum))
		}
	}
	if t, ok := schema["type"]; ok && !hasType(t, doc) {
		return append(errs, fmt.Sprintf("%s: %T is not of type %v", at, doc, t))
	}
	switch v := doc.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asList(schema["required"]) {
			if _, ok := v[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing required %q", at, r))
			}
		}
		for k, val := range v {
			sub, ok := props[k].(map[string]any)
			if !ok {
				if schema["additionalProperties"] == false {
					errs = append(errs, fmt.Sprintf("%s: unexpected property %q", at, k))
				}
				continue
			}
			errs = append(errs, validate(root, sub, val, at+"."+k)...)
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, it := range v {
				errs = append(errs, validate(root, items, it, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func asList(v any) []any { l, _ := v.([]any); return l }

func hasType(t, v any) bool {
	for _, name := range append(asList(t), t) {
		s, _ := name.(string)
		switch s {
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "number", "integer":
			if _, ok := v.(float64); ok {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		}
	}
	return false
}
