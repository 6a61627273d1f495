# Layout
skip-to-content = Gå til indhold
nav-label = Hovedmenu
header-store = Butik
header-switch-store = Skift
header-language = Sprog
store-playground = Testmiljø
store-live = Live
theme-label = Udseende
theme-light = Lyst
theme-dark = Mørkt
theme-system = Samme som enheden
sign-out = Log ud
action-save = Gem

# Menu sections
nav-home = Forside
nav-orders = Ordrer
nav-settlements = Afregninger
nav-disputes = Tvister
nav-users = Brugeradministration
nav-integrations = Integrationer
nav-developer-logs = Udviklerlogs

# Roles
role-super-admin = Superadmin
role-admin = Admin
role-user = Bruger
role-settlement = Afregninger
role-disputes = Tvister
role-read-only = Kun læseadgang
role-terminated = Ophørt
role-external = Ekstern

# Sign-in
sign-in-title = Log ind
sign-in-intro = Log ind for at administrere dine ordrer, afregninger og din butik.
sign-in-submit = Log ind
sign-in-signed-out = Du er logget ud.
sign-in-session-ended = Din session er udløbet. Log ind igen.
sign-in-error-credentials = E-mailadressen eller adgangskoden er forkert. Tjek dem, og prøv igen.
sign-in-error-locked = For mange mislykkede forsøg. Kontoen er låst i 30 minutter; prøv igen senere, eller nulstil din adgangskode.
sign-in-error-expired = Din adgang til portalen er udløbet. Bed en administrator i din virksomhed om at forlænge den.
sign-in-error-inactive = Denne konto er ikke aktiv. Bed en administrator i din virksomhed om at genaktivere den.
sign-in-error-no-store = Din konto har ikke adgang til nogen butik. Bed en administrator i din virksomhed om adgang.
field-email = E-mail
field-password = Adgangskode
field-name = Navn
field-phone = Telefon
field-timezone = Tidszone
field-current-password = Nuværende adgangskode
field-new-password = Ny adgangskode
field-confirm-password = Gentag ny adgangskode

# Home
home-title = Forside
home-greeting = Velkommen, { $name }! Du er i { $store } hos { $merchant }.
home-store-heading = Din butik
home-merchant = Virksomhed
home-store = Butik
home-store-id = Butiks-ID
home-environment = Miljø
home-role = Din rolle

# Account settings
account-title = Kontoindstillinger
account-profile-heading = Personlige oplysninger
account-preferences-heading = Præferencer
account-password-heading = Adgangskode
account-password-hint = Mindst 12 tegn. Et par ord, der ikke har noget med hinanden at gøre, giver en stærk adgangskode.
account-password-submit = Skift adgangskode
account-company-heading = Virksomhed
account-last-sign-in = Senest logget ind:
account-saved-profile = Dine personlige oplysninger er gemt.
account-saved-password = Din adgangskode er ændret. Andre sessioner er blevet logget ud.
account-error-name = Angiv et navn på højst 100 tegn.
account-error-phone = Angiv et telefonnummer, der kun indeholder cifre, mellemrum, +, - og parenteser (højst 40 tegn).
account-error-timezone = Vælg en tidszone på listen.
account-error-current-password = Den nuværende adgangskode er forkert.
account-error-password-policy = Den nye adgangskode skal være på mindst 12 tegn.
account-error-password-mismatch = De to nye adgangskoder er ikke ens.
company-legal-name = Juridisk navn
company-org-number = CVR-nummer
company-vat-id = Momsnummer
company-address = Adresse

# Errors
error-not-found-title = Siden blev ikke fundet
error-not-found-text = Siden findes ikke, eller du har ikke adgang til den.
error-forbidden-title = Ikke tilladt
error-forbidden-text = Din rolle tillader ikke dette, eller formularen var udløbet. Genindlæs siden, og prøv igen.
error-bad-request-title = Der var noget galt med anmodningen
error-bad-request-text = Anmodningen kunne ikke forstås. Gå tilbage, og prøv igen.
error-internal-title = Noget gik galt
error-internal-text = Vi kunne ikke gennemføre anmodningen. Prøv igen om lidt; hvis problemet fortsætter, så kontakt support og oplys referencen nedenfor.
error-reference = Reference:
error-back-home = Gå til forsiden

# Hosted checkout
checkout-title = Kasse
checkout-test-mode = Testtilstand: der gennemføres ingen rigtig betaling
checkout-summary = Din bestilling
checkout-item = Vare
checkout-quantity = Antal
checkout-amount = Beløb
checkout-total = I alt
checkout-of-which-tax = heraf moms
checkout-complete-title = Tak for din bestilling!
checkout-complete-text = Dit køb er bekræftet. Butikken sender dig en bekræftelse.
checkout-expired-title = Kassen er udløbet
checkout-expired-text = Gå tilbage til butikken, og start købet forfra.
checkout-aborted-title = Butikken har annulleret dette køb
checkout-details = Dine oplysninger og betaling
checkout-given-name = Fornavn
checkout-family-name = Efternavn
checkout-street = Adresse
checkout-postal-code = Postnummer
checkout-city = By
checkout-payment-method = Betalingsmetode
checkout-method-invoice = Betal senere med faktura
checkout-method-card = Kort
checkout-method-parts = Del betalingen op i 3 rater
checkout-card-details = Kortoplysninger (kun ved kortbetaling)
checkout-card-hint = Testkort: 4111 1111 1111 1111 godkendes, 4000 0000 0000 0002 afvises. Brug en vilkårlig fremtidig udløbsdato og 3 vilkårlige cifre.
checkout-card-number = Kortnummer
checkout-card-expiry = Udløbsdato (MM/ÅÅ)
checkout-card-cvc = Sikkerhedskode (CVC)
checkout-confirm = Bekræft og betal
checkout-error-required = Angiv din e-mailadresse samt dit for- og efternavn.
checkout-error-method = Vælg en betalingsmetode.
checkout-error-card-declined = Kortet blev afvist. Prøv et andet kort eller en anden betalingsmetode.
checkout-error-card-number = Kortnummeret er ikke gyldigt. Tjek det, og prøv igen.
checkout-error-card-expiry = Udløbsdatoen er ugyldig eller overskredet. Skriv den som MM/ÅÅ.
checkout-error-card-cvc = Angiv den 3- eller 4-cifrede sikkerhedskode fra bagsiden af kortet.
