package store

import (
	"encoding/json"
	"fmt"
	"time"

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

// Campaigns returns the campaign definitions last saved, with zones loaded.
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
		loc, err := time.LoadLocation(cs[i].Timezone)
		if err != nil {
			return nil, fmt.Errorf("stored campaign %s: %w", cs[i].Name, err)
		}
		cs[i].Location = loc
	}
	return cs, nil
}
