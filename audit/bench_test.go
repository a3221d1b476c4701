package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/host"
	"github.com/libvet/libvet/policy"
)

func benchConfig() audit.Config {
	return audit.Config{
		Limits:    artifact.DefaultLimits(),
		Platforms: policy.Platforms(policy.LinuxPlatform{}),
		Host:      host.NewLinux(host.Options{LDPaths: []string{}}),
	}
}

// benchWheels audits each wheel as a sub-benchmark, reporting the wheel's
// compressed size per second.
func benchWheels(b *testing.B, wheels []string) {
	cfg := benchConfig()
	for _, w := range wheels {
		st, err := os.Stat(w)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(w), func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				if r := audit.Run(context.Background(), w, cfg); r.Error != "" {
					b.Fatal(r.Error)
				}
			}
		})
	}
}

// BenchmarkRunTestdata audits the small committed wheels.
func BenchmarkRunTestdata(b *testing.B) {
	wheels, _ := filepath.Glob("../testdata/wheels/*.whl")
	benchWheels(b, wheels)
}

// BenchmarkRunLarge audits the big wheels conformance/auditwheel.sh and
// bench/bench.sh download (numpy, scipy, torch, ...), when present.
func BenchmarkRunLarge(b *testing.B) {
	wheels, _ := filepath.Glob("../conformance/.cache/wheels/*.whl")
	if len(wheels) == 0 {
		b.Skip("no large wheels in ../conformance/.cache/wheels; run conformance/auditwheel.sh or bench/bench.sh first")
	}
	benchWheels(b, wheels)
}
