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
checkout-title = Kasse
checkout-test-mode = Testmodus: ingen ekte betaling blir gjennomført
checkout-summary = Bestillingen din
checkout-item = Vare
checkout-quantity = Antall
checkout-amount = Beløp
checkout-total = Totalt
checkout-of-which-tax = herav mva.
checkout-complete-title = Takk for bestillingen!
checkout-complete-text = Kjøpet ditt er bekreftet. Butikken sender deg en bekreftelse.
checkout-expired-title = Kassen har utløpt
checkout-expired-text = Gå tilbake til butikken og start kjøpet på nytt.
checkout-aborted-title = Butikken har avbrutt dette kjøpet
checkout-details = Opplysningene dine og betaling
checkout-given-name = Fornavn
checkout-family-name = Etternavn
checkout-street = Gateadresse
checkout-postal-code = Postnummer
checkout-city = Poststed
checkout-payment-method = Betalingsmåte
checkout-method-invoice = Betal senere med faktura
checkout-method-card = Kort
checkout-method-parts = Del opp i 3 betalinger
checkout-card-details = Kortopplysninger (kun for kortbetaling)
checkout-card-hint = Testkort: 4111 1111 1111 1111 godkjennes, 4000 0000 0000 0002 avvises. Bruk en hvilken som helst fremtidig utløpsdato og hvilke som helst 3 sifre.
checkout-card-number = Kortnummer
checkout-card-expiry = Utløpsdato (MM/ÅÅ)
checkout-card-cvc = Sikkerhetskode (CVC)
checkout-confirm = Bekreft og betal
checkout-error-required = Skriv inn e-postadressen din og for- og etternavnet ditt.
checkout-error-method = Velg en betalingsmåte.
checkout-error-card-declined = Kortet ble avvist. Prøv et annet kort eller en annen betalingsmåte.
checkout-error-card-number = Kortnummeret er ikke gyldig. Sjekk det og prøv igjen.
checkout-error-card-expiry = Utløpsdatoen er ugyldig eller har passert. Skriv den som MM/ÅÅ.
checkout-error-card-cvc = Skriv inn den 3- eller 4-sifrede sikkerhetskoden på baksiden av kortet.
