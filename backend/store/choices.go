package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strings"
)

// BuiltinChoice is one built-in choice (enum) property and the options every database gives it.
type BuiltinChoice struct {
	Object, Name string
	Options      []string
	// Seeded: the choice-options migrations give the property these options on every
	// database (plus the values its records already hold). All six are: ticket priority and
	// status since the first one (SQLite 0034, PostgreSQL 0014), the contact, deal and company
	// ones since the second (SQLite 0037, PostgreSQL 0017), which runs the same step again on
	// databases the first one had already migrated (see docs/architecture.md, "Built-in
	// choice options").
	Seeded bool
}

// BuiltinChoices are the built-in choice properties with HubSpot's standard options (its internal
// values, lower case), so a filter or a "set property" step offers them. The choice-options
// migrations (SQLite 0034 and 0037, PostgreSQL 0014 and 0017) seed the Seeded ones on every
// database, together with every value records already hold. This is the only copy of the lists.
var BuiltinChoices = []BuiltinChoice{
	{"contact", "lifecycle", []string{"subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist", "other"}, true},
	{"contact", "lead_status", []string{"new", "open", "in_progress", "open_deal", "unqualified", "attempted_to_contact", "connected", "bad_timing"}, true},
	{"deal", "stage", []string{"appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"}, true},
	{"ticket", "priority", []string{"low", "medium", "high", "urgent"}, true},
	{"ticket", "status", []string{"new", "waiting_on_contact", "waiting_on_us", "closed"}, true},
	{"company", "industry", []string{
		"accounting", "airlines_aviation", "alternative_dispute_resolution", "alternative_medicine", "animation",
		"apparel_fashion", "architecture_planning", "arts_and_crafts", "automotive", "aviation_aerospace", "banking",
		"biotechnology", "broadcast_media", "building_materials", "business_supplies_and_equipment", "capital_markets",
		"chemicals", "civic_social_organization", "civil_engineering", "commercial_real_estate",
		"computer_network_security", "computer_games", "computer_hardware", "computer_networking", "computer_software",
		"internet", "construction", "consumer_electronics", "consumer_goods", "consumer_services", "cosmetics", "dairy",
		"defense_space", "design", "education_management", "e_learning", "electrical_electronic_manufacturing",
		"entertainment", "environmental_services", "events_services", "executive_office", "facilities_services",
		"farming", "financial_services", "fine_art", "fishery", "food_beverages", "food_production", "fund_raising",
		"furniture", "gambling_casinos", "glass_ceramics_concrete", "government_administration",
		"government_relations", "graphic_design", "health_wellness_and_fitness", "higher_education",
		"hospital_health_care", "hospitality", "human_resources", "import_and_export", "individual_family_services",
		"industrial_automation", "information_services", "information_technology_and_services", "insurance",
		"international_affairs", "international_trade_and_development", "investment_banking",
		"investment_management", "judiciary", "law_enforcement", "law_practice", "legal_services",
		"legislative_office", "leisure_travel_tourism", "libraries", "logistics_and_supply_chain",
		"luxury_goods_jewelry", "machinery", "management_consulting", "maritime", "market_research",
		"marketing_and_advertising", "mechanical_or_industrial_engineering", "media_production", "medical_devices",
		"medical_practice", "mental_health_care", "military", "mining_metals", "motion_pictures_and_film",
		"museums_and_institutions", "music", "nanotechnology", "newspapers", "non_profit_organization_management",
		"oil_energy", "online_media", "outsourcing_offshoring", "package_freight_delivery",
		"packaging_and_containers", "paper_forest_products", "performing_arts", "pharmaceuticals", "philanthropy",
		"photography", "plastics", "political_organization", "primary_secondary_education", "printing",
		"professional_training_coaching", "program_development", "public_policy",
		"public_relations_and_communications", "public_safety", "publishing", "railroad_manufacture", "ranching",
		"real_estate", "recreational_facilities_and_services", "religious_institutions", "renewables_environment",
		"research", "restaurants", "retail", "security_and_investigations", "semiconductors", "shipbuilding",
		"sporting_goods", "sports", "staffing_and_recruiting", "supermarkets", "telecommunications", "textiles",
		"think_tanks", "tobacco", "translation_and_localization", "transportation_trucking_railroad", "utilities",
		"venture_capital_private_equity", "veterinary", "warehousing", "wholesale", "wine_and_spirits", "wireless",
		"writing_and_editing",
	}, true},
}

// BuiltinChoiceOptions returns the standard options of a built-in choice property (nil for any
// other property).
func BuiltinChoiceOptions(object, name string) []string {
	for _, c := range BuiltinChoices {
		if c.Object == object && c.Name == name {
			return c.Options
		}
	}
	return nil
}

// MaxSeededOptions is the most options the choice-options migration gives a property: the
// engine's limit on a property's options (engine.MaxOptions). A property whose records already
// hold so many distinct values that the list would be longer is left without options (any
// text), as before, rather than refusing values it took until now.
const MaxSeededOptions = 500

// MergeChoiceOptions returns the standard options followed by every stored value that is not
// one of them, sorted. Values compare as the enum check compares them: trimmed, ignoring case
// ("Customer" is the option "customer", not another one); blank values are skipped. ok is false
// when the list would be longer than MaxSeededOptions.
func MergeChoiceOptions(standard, stored []string) (options []string, ok bool) {
	seen := make(map[string]bool, len(standard)+len(stored))
	options = append([]string(nil), standard...)
	for _, o := range standard {
		seen[strings.ToLower(o)] = true
	}
	var extra []string
	for _, v := range stored {
		v = strings.TrimSpace(v)
		if v == "" || seen[strings.ToLower(v)] {
			continue
		}
		seen[strings.ToLower(v)] = true
		extra = append(extra, v)
	}
	sort.Strings(extra)
	options = append(options, extra...)
	return options, len(options) <= MaxSeededOptions
}

// SeedChoiceOptions gives each Seeded built-in choice property that has no options its standard ones
// plus the values its records hold. current reads a property's type and options (ok false when
// it is not declared), stored the distinct values its records hold, and set writes its options
// (a JSON list). A property with options already (set by a user or the demo) is left as it is,
// as is one no longer an enum. Both stores' migrations run it.
func SeedChoiceOptions(current func(object, name string) (typ, options string, ok bool, err error),
	stored func(object, name string) ([]string, error), set func(object, name, options string) error) error {
	for _, c := range BuiltinChoices {
		if !c.Seeded {
			continue
		}
		typ, opts, ok, err := current(c.Object, c.Name)
		if err != nil {
			return err
		}
		if !ok || typ != "enum" || (opts != "" && opts != "[]") {
			continue
		}
		values, err := stored(c.Object, c.Name)
		if err != nil {
			return err
		}
		merged, fits := MergeChoiceOptions(c.Options, values)
		if !fits {
			continue
		}
		b, err := json.Marshal(merged)
		if err != nil {
			return err
		}
		if err := set(c.Object, c.Name, string(b)); err != nil {
			return err
		}
	}
	return nil
}

// seedChoiceOptions is SQLite's step of migrations 0034 and 0037 (the second seeds the
// properties made Seeded after the first had run; on a database both reach in one go it finds
// them filled already and changes nothing).
func seedChoiceOptions(ctx context.Context, tx *sql.Tx) error {
	return SeedChoiceOptions(
		func(object, name string) (string, string, bool, error) {
			var typ, opts string
			err := tx.QueryRowContext(ctx, "SELECT type, options FROM properties WHERE object = ? AND name = ?", object, name).Scan(&typ, &opts)
			if err == sql.ErrNoRows {
				return "", "", false, nil
			}
			return typ, opts, err == nil, err
		},
		func(object, name string) ([]string, error) {
			path := "$." + name
			rows, err := tx.QueryContext(ctx, "SELECT DISTINCT CAST(json_extract(properties, ?) AS TEXT) FROM records WHERE type = ? AND json_type(properties, ?) IN ('text', 'integer', 'real')", path, object, path)
			if err != nil {
				return nil, err
			}
			return collect(rows, "values held", scanString)
		},
		func(object, name, options string) error {
			_, err := tx.ExecContext(ctx, "UPDATE properties SET options = ? WHERE object = ? AND name = ?", options, object, name)
			return err
		})
}
