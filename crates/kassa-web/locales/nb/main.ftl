# Layout
skip-to-content = Hopp til innholdet
nav-label = Hovedmeny
header-store = Butikk
header-switch-store = Bytt
header-language = Språk
store-playground = Testmiljø
store-live = Live
theme-label = Utseende
theme-light = Lyst
theme-dark = Mørkt
theme-system = Samme som enheten
sign-out = Logg ut
action-save = Lagre

# Menu sections
nav-home = Hjem
nav-orders = Ordrer
nav-settlements = Oppgjør
nav-disputes = Tvister
nav-users = Brukeradministrasjon
nav-integrations = Integrasjoner
nav-developer-logs = Utviklerlogger

# Roles
role-super-admin = Superadmin
role-admin = Admin
role-user = Bruker
role-settlement = Oppgjør
role-disputes = Tvister
role-read-only = Kun lesetilgang
role-terminated = Avsluttet
role-external = Ekstern

# Sign-in
sign-in-title = Logg inn
sign-in-intro = Logg inn for å administrere ordrene, oppgjørene og butikken din.
sign-in-submit = Logg inn
sign-in-signed-out = Du er logget ut.
sign-in-session-ended = Økten din er avsluttet. Logg inn på nytt.
sign-in-error-credentials = E-postadressen eller passordet er feil. Sjekk dem og prøv igjen.
sign-in-error-locked = For mange mislykkede forsøk. Kontoen er låst i 30 minutter; prøv igjen senere eller tilbakestill passordet ditt.
sign-in-error-expired = Tilgangen din til portalen har utløpt. Be en administrator i bedriften din om å forlenge den.
sign-in-error-inactive = Denne kontoen er ikke aktiv. Be en administrator i bedriften din om å aktivere den igjen.
sign-in-error-no-store = Kontoen din har ikke tilgang til noen butikk. Be en administrator i bedriften din om tilgang.
field-email = E-post
field-password = Passord
field-name = Navn
field-phone = Telefon
field-timezone = Tidssone
field-current-password = Nåværende passord
field-new-password = Nytt passord
field-confirm-password = Gjenta nytt passord

# Home
home-title = Hjem
home-greeting = Velkommen, { $name }! Du er i { $store } hos { $merchant }.
home-store-heading = Butikken din
home-merchant = Bedrift
home-store = Butikk
home-store-id = Butikk-ID
home-environment = Miljø
home-role = Rollen din

# Account settings
account-title = Kontoinnstillinger
account-profile-heading = Personopplysninger
account-preferences-heading = Preferanser
account-password-heading = Passord
account-password-hint = Minst 12 tegn. Noen ord som ikke har noe med hverandre å gjøre, gir et sterkt passord.
account-password-submit = Endre passord
account-company-heading = Bedrift
account-last-sign-in = Sist pålogget:
account-saved-profile = Personopplysningene dine er lagret.
account-saved-password = Passordet ditt er endret. Andre økter er logget ut.
account-error-name = Skriv inn et navn på høyst 100 tegn.
account-error-phone = Skriv inn et telefonnummer med bare sifre, mellomrom, +, - og parenteser (høyst 40 tegn).
account-error-timezone = Velg en tidssone fra listen.
account-error-current-password = Det nåværende passordet er feil.
account-error-password-policy = Det nye passordet må ha minst 12 tegn.
account-error-password-mismatch = De to nye passordene er ikke like.
company-legal-name = Juridisk navn
company-org-number = Organisasjonsnummer
company-vat-id = MVA-nummer
company-address = Adresse

# Errors
error-not-found-title = Fant ikke siden
error-not-found-text = Siden finnes ikke, eller du har ikke tilgang til den.
error-forbidden-title = Ikke tillatt
error-forbidden-text = Rollen din tillater ikke dette, eller skjemaet var utløpt. Last inn siden på nytt og prøv igjen.
error-bad-request-title = Noe var feil i forespørselen
error-bad-request-text = Forespørselen kunne ikke tolkes. Gå tilbake og prøv igjen.
error-internal-title = Noe gikk galt
error-internal-text = Vi kunne ikke fullføre forespørselen. Prøv igjen om litt; hvis problemet vedvarer, kontakt kundestøtte og oppgi referansen nedenfor.
error-reference = Referanse:
error-back-home = Gå til forsiden

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
