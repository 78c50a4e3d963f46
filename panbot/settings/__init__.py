"""Settings package: `base` is what every process runs (configured by the environment); `test` adds test defaults."""
