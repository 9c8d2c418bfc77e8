package index

import (
	"hash/maphash"
	"sync"
)

// memoryShares splits the one memory budget (Config.MemoryBytes) between
// the service's in-memory caches.
type memoryShares struct {
	pages, brotli, origins, owners int64
}

// splitMemory gives rendered pages most of the budget; file origins a
// fifth (a recently used project's records); the map from file key to
// project for names that do not tell a twentieth; the brotli copies made
// on demand a sixteenth (a brotli page is about a sixth of its identity
// rendering, and only clients that take br ask for one).
func splitMemory(total int64) memoryShares {
	origins, owners, brotli := total/5, total/20, total/16
	return memoryShares{pages: total - origins - owners - brotli, brotli: brotli, origins: origins, owners: owners}
}

// counters sizes ristretto's admission counters: ten per item expected
// in maxCost at itemCost bytes each, as ristretto advises.
func counters(maxCost, itemCost int64) int64 {
	return max(10*maxCost/itemCost, 1000)
}

// keyedMutex serializes work per key (a page's commits) over a fixed set
// of stripes.
type keyedMutex struct {
	seed    maphash.Seed
	once    sync.Once
	stripes [256]sync.Mutex
}

// lock locks key's stripe and returns its unlock.
func (m *keyedMutex) lock(key string) func() {
	m.once.Do(func() { m.seed = maphash.MakeSeed() })
	mu := &m.stripes[maphash.String(m.seed, key)%uint64(len(m.stripes))]
	mu.Lock()
	return mu.Unlock
}
