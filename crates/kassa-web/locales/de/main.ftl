# Layout
skip-to-content = Zum Inhalt springen
nav-label = Hauptmenü
header-store = Shop
header-switch-store = Wechseln
header-language = Sprache
store-playground = Testumgebung
store-live = Live
theme-label = Darstellung
theme-light = Hell
theme-dark = Dunkel
theme-system = Wie auf dem Gerät
sign-out = Abmelden
action-save = Speichern

# Menu sections
nav-home = Startseite
nav-orders = Bestellungen
nav-settlements = Abrechnungen
nav-disputes = Streitfälle
nav-users = Benutzerverwaltung
nav-integrations = Integrationen
nav-developer-logs = Entwickler-Logs

# Roles
role-super-admin = Super-Admin
role-admin = Admin
role-user = Benutzer
role-settlement = Abrechnungen
role-disputes = Streitfälle
role-read-only = Nur Lesezugriff
role-terminated = Beendet
role-external = Extern

# Sign-in
sign-in-title = Anmelden
sign-in-intro = Melden Sie sich an, um Ihre Bestellungen, Abrechnungen und Ihren Shop zu verwalten.
sign-in-submit = Anmelden
sign-in-signed-out = Sie haben sich abgemeldet.
sign-in-session-ended = Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.
sign-in-error-credentials = E-Mail-Adresse oder Passwort ist nicht korrekt. Prüfen Sie Ihre Eingaben und versuchen Sie es erneut.
sign-in-error-locked = Zu viele fehlgeschlagene Versuche. Das Konto ist für 30 Minuten gesperrt; versuchen Sie es später erneut oder setzen Sie Ihr Passwort zurück.
sign-in-error-expired = Ihr Zugang zu diesem Portal ist abgelaufen. Bitten Sie einen Administrator Ihres Unternehmens, ihn zu verlängern.
sign-in-error-inactive = Dieses Konto ist nicht aktiv. Bitten Sie einen Administrator Ihres Unternehmens, es wieder zu aktivieren.
sign-in-error-no-store = Ihr Konto hat auf keinen Shop Zugriff. Bitten Sie einen Administrator Ihres Unternehmens, Ihnen Zugriff zu gewähren.
field-email = E-Mail
field-password = Passwort
field-name = Name
field-phone = Telefon
field-timezone = Zeitzone
field-current-password = Aktuelles Passwort
field-new-password = Neues Passwort
field-confirm-password = Neues Passwort wiederholen

# Home
home-title = Startseite
home-greeting = Willkommen, { $name }! Sie befinden sich in { $store } von { $merchant }.
home-store-heading = Ihr Shop
home-merchant = Unternehmen
home-store = Shop
home-store-id = Shop-ID
home-environment = Umgebung
home-role = Ihre Rolle

# Account settings
account-title = Kontoeinstellungen
account-profile-heading = Persönliche Daten
account-preferences-heading = Präferenzen
account-password-heading = Passwort
account-password-hint = Mindestens 12 Zeichen. Einige Wörter, die nichts miteinander zu tun haben, ergeben ein sicheres Passwort.
account-password-submit = Passwort ändern
account-company-heading = Unternehmen
account-last-sign-in = Letzte Anmeldung:
account-saved-profile = Ihre persönlichen Daten wurden gespeichert.
account-saved-password = Ihr Passwort wurde geändert. Andere Sitzungen wurden abgemeldet.
account-error-name = Geben Sie einen Namen mit höchstens 100 Zeichen ein.
account-error-phone = Geben Sie eine Telefonnummer ein, die nur Ziffern, Leerzeichen, +, - und Klammern enthält (höchstens 40 Zeichen).
account-error-timezone = Wählen Sie eine Zeitzone aus der Liste.
account-error-current-password = Das aktuelle Passwort ist nicht korrekt.
account-error-password-policy = Das neue Passwort muss mindestens 12 Zeichen lang sein.
account-error-password-mismatch = Die beiden neuen Passwörter stimmen nicht überein.
company-legal-name = Offizieller Firmenname
company-org-number = Handelsregisternummer
company-vat-id = USt-IdNr.
company-address = Adresse

# Errors
error-not-found-title = Seite nicht gefunden
error-not-found-text = Die Seite existiert nicht oder Sie haben keinen Zugriff darauf.
error-forbidden-title = Nicht erlaubt
error-forbidden-text = Ihre Rolle erlaubt dies nicht oder das Formular war abgelaufen. Laden Sie die Seite neu und versuchen Sie es erneut.
error-bad-request-title = Fehlerhafte Anfrage
error-bad-request-text = Die Anfrage konnte nicht verarbeitet werden. Gehen Sie zurück und versuchen Sie es erneut.
error-internal-title = Etwas ist schiefgelaufen
error-internal-text = Wir konnten die Anfrage nicht abschließen. Versuchen Sie es gleich noch einmal; wenn das Problem weiterhin auftritt, wenden Sie sich mit der unten stehenden Referenz an den Support.
error-reference = Referenz:
error-back-home = Zur Startseite

# Hosted checkout
checkout-title = Kasse
checkout-test-mode = Testmodus: Es wird keine echte Zahlung ausgeführt
checkout-summary = Ihre Bestellung
checkout-item = Artikel
checkout-quantity = Menge
checkout-amount = Betrag
checkout-total = Gesamt
checkout-of-which-tax = davon MwSt.
checkout-complete-title = Vielen Dank für Ihre Bestellung!
checkout-complete-text = Ihr Kauf ist bestätigt. Der Shop sendet Ihnen eine Bestätigung.
checkout-expired-title = Dieser Bezahlvorgang ist abgelaufen
checkout-expired-text = Kehren Sie zum Shop zurück und starten Sie den Bezahlvorgang erneut.
checkout-aborted-title = Dieser Bezahlvorgang wurde vom Shop abgebrochen
checkout-details = Ihre Angaben und Zahlung
checkout-given-name = Vorname
checkout-family-name = Nachname
checkout-street = Straße und Hausnummer
checkout-postal-code = Postleitzahl
checkout-city = Ort
checkout-payment-method = Zahlungsart
checkout-method-invoice = Später per Rechnung bezahlen
checkout-method-card = Karte
checkout-method-parts = In 3 Raten bezahlen
checkout-card-details = Kartendaten (nur bei Kartenzahlung)
checkout-card-hint = Testkarten: 4111 1111 1111 1111 wird akzeptiert, 4000 0000 0000 0002 wird abgelehnt. Beliebiges Ablaufdatum in der Zukunft und beliebige 3 Ziffern.
checkout-card-number = Kartennummer
checkout-card-expiry = Ablaufdatum (MM/JJ)
checkout-card-cvc = Sicherheitscode (CVC)
checkout-confirm = Bestätigen und bezahlen
checkout-error-required = Geben Sie Ihre E-Mail-Adresse sowie Ihren Vor- und Nachnamen ein.
checkout-error-method = Wählen Sie eine Zahlungsart.
checkout-error-card-declined = Die Karte wurde abgelehnt. Versuchen Sie es mit einer anderen Karte oder einer anderen Zahlungsart.
checkout-error-card-number = Die Kartennummer ist ungültig. Prüfen Sie sie und versuchen Sie es erneut.
checkout-error-card-expiry = Das Ablaufdatum ist ungültig oder bereits überschritten. Geben Sie es im Format MM/JJ ein.
checkout-error-card-cvc = Geben Sie den 3- oder 4-stelligen Sicherheitscode von der Rückseite der Karte ein.
