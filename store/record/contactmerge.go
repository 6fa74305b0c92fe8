package record

import "maps"

// MergedWith is c with the non-empty fields of in and in's attributes laid
// over it, as an upsert of in over the stored c writes it; c and its
// attributes are left as they were.
func (c Contact) MergedWith(in Contact) Contact {
	merged := c
	merged.Attributes = maps.Clone(c.Attributes)
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&merged.ExternalID, in.ExternalID},
		{&merged.Name, in.Name},
		{&merged.Email, in.Email},
		{&merged.Phone, in.Phone},
		{&merged.Language, in.Language},
		{&merged.TimeZone, in.TimeZone},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	for k, v := range in.Attributes {
		if merged.Attributes == nil {
			merged.Attributes = map[string]string{}
		}
		merged.Attributes[k] = v
	}
	return merged
}

// SameFields reports whether c and b hold the same fields a contact's
// owner writes (keys, name, language, zone, attributes), whatever their
// ids, times and channels: an upsert that changes none of them writes
// nothing.
func (c Contact) SameFields(b Contact) bool {
	return c.ExternalID == b.ExternalID && c.Name == b.Name && c.Email == b.Email &&
		c.Phone == b.Phone && c.Language == b.Language && c.TimeZone == b.TimeZone &&
		maps.Equal(c.Attributes, b.Attributes)
}
