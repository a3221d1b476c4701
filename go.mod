module github.com/libvet/libvet

go 1.24.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/ianlancetaylor/demangle v0.0.0-20260724033716-83e58baca724
	github.com/klauspost/compress v1.19.2
	github.com/spf13/pflag v1.0.10
	github.com/ulikunitz/xz v0.5.17
)
