# Layout
skip-to-content = Hoppa till innehållet
nav-label = Huvudmeny
header-store = Butik
header-switch-store = Byt
header-language = Språk
store-playground = Testmiljö
store-live = Live
theme-label = Utseende
theme-light = Ljust
theme-dark = Mörkt
theme-system = Samma som enheten
sign-out = Logga ut
action-save = Spara

# Menu sections
nav-home = Hem
nav-orders = Ordrar
nav-settlements = Utbetalningar
nav-disputes = Tvister
nav-users = Användarhantering
nav-integrations = Integrationer
nav-developer-logs = Utvecklarloggar

# Roles
role-super-admin = Superadmin
role-admin = Admin
role-user = Användare
role-settlement = Utbetalningar
role-disputes = Tvister
role-read-only = Endast läsbehörighet
role-terminated = Avslutad
role-external = Extern

# Sign-in
sign-in-title = Logga in
sign-in-intro = Logga in för att hantera dina ordrar, utbetalningar och din butik.
sign-in-submit = Logga in
sign-in-signed-out = Du har loggat ut.
sign-in-session-ended = Din session har avslutats. Logga in igen.
sign-in-error-credentials = E-postadressen eller lösenordet stämmer inte. Kontrollera dem och försök igen.
sign-in-error-locked = För många misslyckade försök. Kontot är låst i 30 minuter; försök igen senare eller återställ ditt lösenord.
sign-in-error-expired = Din åtkomst till portalen har gått ut. Be en administratör på ditt företag att förlänga den.
sign-in-error-inactive = Kontot är inte aktivt. Be en administratör på ditt företag att återaktivera det.
sign-in-error-no-store = Ditt konto har inte åtkomst till någon butik. Be en administratör på ditt företag om åtkomst.
field-email = E-post
field-password = Lösenord
field-name = Namn
field-phone = Telefon
field-timezone = Tidszon
field-current-password = Nuvarande lösenord
field-new-password = Nytt lösenord
field-confirm-password = Upprepa nytt lösenord

# Home
home-title = Hem
home-greeting = Välkommen, { $name }! Du är i { $store } hos { $merchant }.
home-store-heading = Din butik
home-merchant = Företag
home-store = Butik
home-store-id = Butiks-ID
home-environment = Miljö
home-role = Din roll

# Account settings
account-title = Kontoinställningar
account-profile-heading = Personuppgifter
account-preferences-heading = Inställningar
account-password-heading = Lösenord
account-password-hint = Minst 12 tecken. Några ord som inte hör ihop ger ett starkt lösenord.
account-password-submit = Byt lösenord
account-company-heading = Företag
account-last-sign-in = Senast inloggad:
account-saved-profile = Dina personuppgifter har sparats.
account-saved-password = Ditt lösenord har bytts. Andra sessioner har loggats ut.
account-error-name = Ange ett namn på högst 100 tecken.
account-error-phone = Ange ett telefonnummer med endast siffror, mellanslag, +, - och parenteser (högst 40 tecken).
account-error-timezone = Välj en tidszon i listan.
account-error-current-password = Det nuvarande lösenordet stämmer inte.
account-error-password-policy = Det nya lösenordet måste ha minst 12 tecken.
account-error-password-mismatch = De två nya lösenorden stämmer inte överens.
company-legal-name = Juridiskt namn
company-org-number = Organisationsnummer
company-vat-id = Momsregistreringsnummer
company-address = Adress

# Errors
error-not-found-title = Sidan hittades inte
error-not-found-text = Sidan finns inte, eller så har du inte åtkomst till den.
error-forbidden-title = Inte tillåtet
error-forbidden-text = Din roll tillåter inte detta, eller så hade formuläret gått ut. Ladda om sidan och försök igen.
error-bad-request-title = Något var fel i förfrågan
error-bad-request-text = Förfrågan kunde inte tolkas. Gå tillbaka och försök igen.
error-internal-title = Något gick fel
error-internal-text = Vi kunde inte slutföra förfrågan. Försök igen om en stund; om felet kvarstår, kontakta supporten och uppge referensen nedan.
error-reference = Referens:
error-back-home = Gå till startsidan

# Hosted checkout
checkout-title = Kassa
checkout-test-mode = Testläge: ingen riktig betalning görs
checkout-summary = Din beställning
checkout-item = Artikel
checkout-quantity = Antal
checkout-amount = Belopp
checkout-total = Totalt
checkout-of-which-tax = varav moms
checkout-complete-title = Tack för din beställning!
checkout-complete-text = Ditt köp är bekräftat. Butiken skickar en bekräftelse till dig.
checkout-expired-title = Kassan har gått ut
checkout-expired-text = Gå tillbaka till butiken och påbörja köpet igen.
checkout-aborted-title = Butiken har avbrutit det här köpet
checkout-details = Dina uppgifter och betalning
checkout-given-name = Förnamn
checkout-family-name = Efternamn
checkout-street = Gatuadress
checkout-postal-code = Postnummer
checkout-city = Ort
checkout-payment-method = Betalsätt
checkout-method-invoice = Betala senare med faktura
checkout-method-card = Kort
checkout-method-parts = Dela upp i 3 delar
checkout-card-details = Kortuppgifter (endast för kortbetalning)
checkout-card-hint = Testkort: 4111 1111 1111 1111 godkänns, 4000 0000 0000 0002 nekas. Valfritt framtida utgångsdatum och valfria 3 siffror.
checkout-card-number = Kortnummer
checkout-card-expiry = Utgångsdatum (MM/ÅÅ)
checkout-card-cvc = Säkerhetskod (CVC)
checkout-confirm = Bekräfta och betala
checkout-error-required = Ange din e-postadress samt ditt för- och efternamn.
checkout-error-method = Välj ett betalsätt.
checkout-error-card-declined = Kortet nekades. Försök med ett annat kort eller ett annat betalsätt.
checkout-error-card-number = Kortnumret är inte giltigt. Kontrollera det och försök igen.
checkout-error-card-expiry = Utgångsdatumet är ogiltigt eller har passerat. Skriv det som MM/ÅÅ.
checkout-error-card-cvc = Ange den 3- eller 4-siffriga säkerhetskoden på kortets baksida.
