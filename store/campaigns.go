package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var keyCampaigns = []byte("campaigns")

// SaveCampaigns records the campaign definitions the rollups are built for,
// so commands given only -db know the campaigns and their zones, and a
// changed definition can be noticed.
func (db *DB) SaveCampaigns(cs []Campaign) error {
	v, err := json.Marshal(cs)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyCampaigns, v) })
}

// Campaigns returns the campaign definitions last saved, checked and with
// zones resolved (NewCampaign).
func (db *DB) Campaigns() ([]Campaign, error) {
	var cs []Campaign
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyCampaigns)
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &cs)
	})
	if err != nil {
		return nil, fmt.Errorf("stored campaigns: %w", err)
	}
	for i := range cs {
		c, err := NewCampaign(cs[i])
		if err != nil {
			return nil, fmt.Errorf("stored %w", err)
		}
		cs[i] = c
	}
	return cs, nil
}

// SaveSetting records a setting the rollups depend on (such as the country
// attribution's overrides) as JSON under name, so that a change can be
// noticed and commands given only -db use the same setting.
func (db *DB) SaveSetting(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put([]byte("setting:"+name), b) })
}

// Setting reads a setting saved with SaveSetting into v; ok is false when
// none was saved.
func (db *DB) Setting(name string, v any) (ok bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta).Get([]byte("setting:" + name))
		if b == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(b, v)
	})
	return ok, err
}
