package store

// ReferLegacySummaries rewrites every summary job of the old form, which
// holds the names, addresses and comments of its week, into the form that
// names the week only, so that no copy of them stays in the outbox; Forget
// calls it. It returns how many jobs it rewrote.
func (t *Tx) ReferLegacySummaries() (int, error) {
	var old []Job
	if err := t.ForEachJob(func(j Job) error {
		if j.CarriesLegacySummary() {
			old = append(old, j)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, j := range old {
		j.ReferLegacySummary()
		if _, err := t.UpdateJob(j); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}
