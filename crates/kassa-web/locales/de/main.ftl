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
