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
checkout-title = Checkout
checkout-test-mode = Test mode: no real payment is made
checkout-summary = Your order
checkout-item = Item
checkout-quantity = Quantity
checkout-amount = Amount
checkout-total = Total
checkout-of-which-tax = of which tax
checkout-complete-title = Thank you for your order!
checkout-complete-text = Your purchase is confirmed. The store will send you a confirmation.
checkout-expired-title = This checkout has expired
checkout-expired-text = Go back to the store and start the checkout again.
checkout-aborted-title = This checkout was cancelled by the store
checkout-details = Your details and payment
checkout-given-name = First name
checkout-family-name = Last name
checkout-street = Street address
checkout-postal-code = Postal code
checkout-city = City
checkout-payment-method = Payment method
checkout-method-invoice = Pay later by invoice
checkout-method-card = Card
checkout-method-parts = Pay in 3 parts
checkout-card-details = Card details (only for card payments)
checkout-card-hint = Test cards: 4111 1111 1111 1111 is approved, 4000 0000 0000 0002 is declined. Any future expiry date and any 3 digits.
checkout-card-number = Card number
checkout-card-expiry = Expiry date (MM/YY)
checkout-card-cvc = Security code (CVC)
checkout-confirm = Confirm and pay
checkout-error-required = Enter your email address and your first and last name.
checkout-error-method = Choose a payment method.
checkout-error-card-declined = The card was declined. Try another card or another payment method.
checkout-error-card-number = The card number is not valid. Check it and try again.
checkout-error-card-expiry = The expiry date is not valid or has passed. Write it as MM/YY.
checkout-error-card-cvc = Enter the 3 or 4 digit security code from the back of the card.
