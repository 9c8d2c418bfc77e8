//go:build race

package fakepypi

// raceEnabled relaxes timing assertions under the race detector.
const raceEnabled = true
