# Portail marsad — français. Chaque clé existe aussi dans ar/ et en/ (un test le vérifie).

## Mise en page
site-name = Observatoire des migrations
skip-to-content = Aller au contenu
nav-label = Navigation principale
nav-home = Accueil
nav-indicators = Indicateurs
nav-explore = Explorateur de données
nav-gcm = Pacte mondial
nav-complaints = Plaintes
nav-workspace = Mon espace de travail
nav-sign-in = Se connecter
language-label = Langue
digits-arabic = Chiffres arabes orientaux
digits-latin = Chiffres occidentaux
footer-about = marsad, le système national d’information sur la migration internationale. Les chiffres publiés sont protégés afin qu’aucune personne ne puisse être identifiée.
footer-api = API
footer-sdmx = Données SDMX pour les partenaires

## Erreurs
not-found-title = Page introuvable
not-found-text = Il n’y a pas de page à cette adresse. La page d’accueil présente ce que l’observatoire publie.
forbidden-title = Hors de votre champ de compétence
forbidden-text = Le champ de compétence de votre institution ne couvre pas cette page. Adressez-vous à votre administrateur si vous en avez besoin.
bad-request-title = La demande ne peut pas être satisfaite
bad-request-text = Quelque chose ne va pas dans l’adresse ou le formulaire :
server-error-title = Une erreur s’est produite
server-error-text = L’observatoire n’a pas pu répondre cette fois-ci. Veuillez réessayer plus tard.

## Accueil
home-intro = Les chiffres de la migration internationale issus des institutions du pays, reliés pour que chaque personne ne compte qu’une fois et protégés pour que personne ne puisse être identifié.
