# marsad portal — English. Every key here exists in ar/ and fr/ too (a test checks it).

## Layout
site-name = Migration Observatory
skip-to-content = Skip to content
nav-label = Main navigation
nav-home = Home
nav-indicators = Indicators
nav-explore = Data explorer
nav-gcm = Global Compact
nav-complaints = Complaints
nav-workspace = My workspace
nav-sign-in = Sign in
language-label = Language
digits-arabic = Eastern Arabic digits
digits-latin = Western digits
footer-about = marsad, the national information system on international migration. Published figures are protected so that no person can be singled out.
footer-api = API
footer-sdmx = SDMX data for partners

## Errors
not-found-title = Page not found
not-found-text = There is no page at this address. The home page lists what the observatory publishes.
forbidden-title = Not within your scope
forbidden-text = Your institution's scope of competence does not cover this page. Ask your administrator if you need it.
bad-request-title = The request cannot be answered
bad-request-text = Something in the address or the form is not right:
server-error-title = Something went wrong
server-error-text = The observatory could not answer this time. Please try again later.

## Home
home-intro = Figures on international migration from the country's institutions, linked so that each person counts once and protected so that nobody can be singled out.
