package i18n

// cliCatalogue holds the words the command line writes for the owner, kept
// apart from the pages' catalogue so that each grows without the other.
// The English texts are the command line's words as scripts and habits
// already read them, byte for byte: stored codes (inflight, opted_out)
// stay codes there, and counts are plain digits (%d) in both languages.
var cliCatalogue = map[string]entry{
	// npsd outbox and npsd outbox cancel.
	"outbox.header":                {"tâche\ttype\tétat\tcanal\tclient\tsondage\tprévu le\tessais\traison", "job\tkind\tstate\tchannel\tcontact\tsurvey\tdue\tattempts\treason"},
	"outbox.more.one":              {"(%d autre non affiché ; augmentez --limit)", "(%d more not shown; raise --limit)"},
	"outbox.more.other":            {"(%d autres non affichés ; augmentez --limit)", "(%d more not shown; raise --limit)"},
	"outbox.counts":                {"file d’envoi : %s (heures du fuseau %s)", "outbox: %s (times in %s)"},
	"outbox.pending.one":           {"%d en attente", "%d pending"},
	"outbox.pending.other":         {"%d en attente", "%d pending"},
	"outbox.inflight.one":          {"%d en cours d’envoi", "%d inflight"},
	"outbox.inflight.other":        {"%d en cours d’envoi", "%d inflight"},
	"outbox.sent.one":              {"%d envoyé", "%d sent"},
	"outbox.sent.other":            {"%d envoyés", "%d sent"},
	"outbox.failed.one":            {"%d en échec", "%d failed"},
	"outbox.failed.other":          {"%d en échec", "%d failed"},
	"outbox.canceled.one":          {"%d annulé", "%d canceled"},
	"outbox.canceled.other":        {"%d annulés", "%d canceled"},
	"outbox.cancel.job":            {"%s (%s par %s) annulé", "%s (%s by %s) canceled"},
	"outbox.cancel.campaign.one":   {"%d message en attente de la campagne %q annulé", "%d waiting message(s) of campaign %q canceled"},
	"outbox.cancel.campaign.other": {"%d messages en attente de la campagne %q annulés", "%d waiting message(s) of campaign %q canceled"},

	// npsd messages and npsd messages decide.
	"messages.header":    {"clé\treçu le\tcanal\tde\ttype\tsuite donnée\ttexte", "key\treceived\tchannel\tfrom\tkind\toutcome\ttext"},
	"messages.decided":   {"message %s : %s", "message %s: %s"},
	"messages.dismissed": {"écarté par %s", "dismissed by %s"},
	"messages.scored":    {"note %d enregistrée, par %s", "score %d recorded, by %s"},
	"messages.opted_out": {"désinscription enregistrée, par %s", "opt-out recorded, by %s"},
	"messages.keys":      {"npsd messages liste les clés des messages en attente", "npsd messages lists the keys of the messages waiting"},

	// npsd campaign plan, with --dry-run and --list.
	"plan.dry_run":               {" (simulation : rien n’a été écrit)", " (dry run: nothing written)"},
	"plan.already":               {"campagne %s : la période %s était déjà planifiée : rien n’a été mis en file%s", "campaign %s: period %s was already planned: nothing queued%s"},
	"plan.queued.one":            {"campagne %s, période %s : %d sondage mis en file%s", "campaign %s, period %s: %d surveys queued%s"},
	"plan.queued.other":          {"campagne %s, période %s : %d sondages mis en file%s", "campaign %s, period %s: %d surveys queued%s"},
	"plan.first_due":             {"  premier envoi\t%s", "  first due\t%s"},
	"plan.last_due":              {"  dernier envoi\t%s", "  last due\t%s"},
	"plan.group":                 {"  %s :", "  %s:"},
	"plan.skipped":               {"écartés", "skipped"},
	"plan.moved":                 {"reportés à la prochaine ouverture", "moved to the next opening"},
	"plan.list.contact":          {"client", "contact"},
	"plan.list.who":              {"nom <adresse>", "name <address>"},
	"plan.list.what":             {"canal et heure d’envoi, ou pourquoi il est écarté", "channel and due time, or why skipped"},
	"plan.list.nobody":           {"(ni nom ni adresse)", "(no name or address)"},
	"plan.list.skipped":          {"écarté : %s", "skipped: %s"},
	"reason.segment":             {"hors du segment de la campagne", "segment"},
	"reason.opted_out":           {"désinscrit", "opted_out"},
	"reason.undeliverable":       {"adresse injoignable", "undeliverable"},
	"reason.no_address":          {"pas d’adresse pour ce canal", "no_address"},
	"reason.survey_open":         {"un sondage attend déjà sa réponse", "survey_open"},
	"reason.recently_surveyed":   {"sondé trop récemment", "recently_surveyed"},
	"reason.not_first_event":     {"pas son premier événement", "not_first_event"},
	"reason.event_too_old":       {"événement trop ancien", "event_too_old"},
	"reason.outside_send_window": {"hors des heures d’envoi", "outside_send_window"},
	"reason.blackout":            {"jour sans envoi", "blackout"},

	// The imports: npsd contacts import, events import, responses import.
	"import.summary.contacts":   {"%s : lignes lues : %d ; clients créés : %d, mis à jour : %d, inchangés : %d ; lignes refusées : %d%s%s", "%s: %d rows: %d contacts created, %d updated, %d unchanged, %d rejected%s%s"},
	"import.summary.events":     {"%s : lignes lues : %d ; événements créés : %d, mis à jour : %d, inchangés : %d ; lignes refusées : %d%s%s", "%s: %d rows: %d events created, %d updated, %d unchanged, %d rejected%s%s"},
	"import.summary.responses":  {"%s : lignes lues : %d ; réponses créées : %d, mises à jour : %d, inchangées : %d ; lignes refusées : %d%s%s", "%s: %d rows: %d responses created, %d updated, %d unchanged, %d rejected%s%s"},
	"import.partial":            {" (lignes gardées sans un champ erroné : %d)", " (%d kept without a wrong field)"},
	"import.dry_run":            {" (simulation : rien n’a été écrit)", " (dry run: nothing written)"},
	"import.line":               {"%s ligne %d : %s", "%s line %d: %s"},
	"import.more_refused.one":   {"%s : … et encore %d ligne refusée", "%s: … and %d more rows refused"},
	"import.more_refused.other": {"%s : … et encore %d lignes refusées", "%s: … and %d more rows refused"},
	"import.more_dropped.one":   {"%s : … et encore %d ligne gardée sans un champ", "%s: … and %d more rows kept without a field"},
	"import.more_dropped.other": {"%s : … et encore %d lignes gardées sans un champ", "%s: … and %d more rows kept without a field"},
	"import.duplicate":          {"%s %s figure aussi à la ligne %d", "%s %s is also on line %d"},
	"import.dropped":            {"gardée sans %s ; le reste de la ligne est importé", "kept without its %s; the rest of the row is imported"},
	"import.dropped_field":      {"le champ %s (%s)", "%s (%s)"},
	"import.dropped_nor":        {", ni ", ", nor its "},
	"import.unreachable":        {"ni courriel, ni téléphone, ni external_id : aucun moyen de joindre ou de retrouver ce client", "no email and no phone, and no external_id: there is no way to reach or find this contact"},
	"field.timezone":            {"fuseau horaire", "timezone"},
	"invalid.email":             {"courriel %q non valide", "invalid email %q"},
	"invalid.email_domain":      {"courriel %q non valide : le domaine n’a pas de point", "invalid email %q: the domain has no dot"},
	"invalid.phone":             {"téléphone %q non valide", "invalid phone %q"},
	"invalid.phone_extension":   {"téléphone %q non valide : un poste a de 1 à 6 chiffres", "invalid phone %q: an extension has 1 to 6 digits"},
	"invalid.phone_letters":     {"téléphone %q non valide : un numéro s’écrit en chiffres, le poste après (poste, ext., x)", "invalid phone %q: a phone number is digits, with an extension after it"},
	"invalid.phone_after":       {"téléphone %q non valide : ce qui suit le numéro n’est pas un poste (poste, ext., x, #)", "invalid phone %q: what follows the number is not an extension"},
	"invalid.language":          {"langue %q non prise en charge (fr ou en, ou leur nom en français ou en anglais)", "unsupported language %q"},
	"invalid.timezone":          {"fuseau horaire %q inconnu (un nom IANA comme Europe/Paris ou America/Montreal)", "unknown time zone %q"},
	"import.no_contact":         {"client %q introuvable", "contact %q: not found"},
	"import.empty_contact":      {"la colonne contact est vide", "contact is empty"},
	"import.empty_type":         {"la colonne type est vide", "type is empty"},
	"import.field_count":        {"la ligne a %d champs, l’en-tête en a %d", "has %d fields, the header has %d"},
	"import.score_word":         {"la note %q n’est pas un nombre entier de 0 à 10", "score %q is not a whole number from 0 to 10"},
	"import.score_range":        {"la note %d n’est pas entre 0 et 10", "score %d is outside 0-10"},

	// npsd responses add, events add, forget, backup and check.
	"inperson.recorded":  {"%s : note %d donnée en personne (%s), saisie par %s ; sondage %s", "%s: score %d given by %s, entered by %s (survey %s)"},
	"inperson.duplicate": {"déjà enregistrée : rien n’a changé", "already recorded: nothing changed"},
	"event.recorded":     {"événement %s enregistré : %s pour le client %s le %s", "event %s recorded: %s for contact %s at %s"},
	"event.already":      {"l’événement %s était déjà enregistré avec l’identifiant externe %s : rien n’a changé", "event %s was already recorded with external id %s: nothing changed"},
	"forget.done": {"client %s oublié : nom, adresses, attributs, commentaires et messages effacés ; notes gardées sans nom ; fichier de données réécrit\n" +
		"les sauvegardes faites avant maintenant les contiennent encore : supprimez-les ou refaites-les\n" +
		"retirez-le aussi du système d’où vous importez les clients, sinon le prochain import le ramènera",
		"contact %s forgotten: name, addresses, attributes, comments and messages erased; scores kept without a name; store file rewritten\n" +
			"backups taken before now still hold them: delete or re-take them\n" +
			"remove them from the system you import contacts from too, or the next import brings them back"},
	"forget.not_compacted": {"npsd forget : client %s effacé, mais le fichier de données n’a pas pu être réécrit, si bien que ses anciens octets peuvent rester dans son espace libre : %v", "npsd forget: contact %s erased, but the store file could not be rewritten, so their old bytes may remain in its free space: %v"},
	"backup.done":          {"sauvegarde de %d octets écrite dans %s", "backup of %d bytes written to %s"},
	"check.config":         {"configuration valide : %s", "config OK: %s"},
	"check.defaults":       {"réglages par défaut (aucun fichier de configuration trouvé)", "built-in defaults (no config file found)"},
	"check.templates":      {"modèles valides : %s, chaque type rendu en %d langues", "templates OK: %s, every kind rendered in %d languages"},
	"check.built_in":       {"modèles intégrés", "built-in"},
	"check.overrides":      {"modèles intégrés, remplacés en partie par ceux de %s", "built-in, with overrides from %s"},
	"check.sms_header":     {"SMS\tlangue\tcaractères\tmessages\tcodage\t", "SMS\tlanguage\tcharacters\tmessages\tencoding\t"},
}

// PluralKey is key+".one" or key+".other", the form n takes as N chooses
// it, for a text whose count is not its first argument or is written as
// plain digits.
func (p Printer) PluralKey(key string, n int) string {
	if n == 1 || p.lang == "fr" && n == 0 {
		return key + ".one"
	}
	return key + ".other"
}

// Codes says whether the command line shows stored values (states,
// channels, kinds of message, reasons) as their codes, as its English
// always has and scripts read, rather than in the owner's words.
func (p Printer) Codes() bool { return p.lang != "fr" }

// Stored is a stored value (a state, a channel, a kind of message, a
// reason) as the command line writes it: its code where it shows codes
// (see Codes), otherwise the word of either catalogue, or the value itself
// when neither has one, so that a value added to the store later still
// reads.
func (p Printer) Stored(prefix, value string) string {
	if p.Codes() {
		return value
	}
	key := prefix + "." + value
	if _, ok := catalogue[key]; ok {
		return p.T(key)
	}
	if _, ok := cliCatalogue[key]; ok {
		return p.T(key)
	}
	return value
}
