# Public pages (home dashboard, indicators, explorer, map, downloads): fr.

## Graphiques et cartes
chart-suppressed = Masqué pour protéger la vie privée
chart-suppressed-short = masqué
chart-no-data = pas de données
chart-suppressed-note = Les chiffres masqués reposent sur trop peu de personnes pour être publiés sans risque d'identifier quelqu'un ; ils ne sont pas nuls.
map-off-grid = { $count ->
    [one] Un lieu n'est pas sur la carte (voir le tableau)
   *[other] { $count } lieux ne sont pas sur la carte (voir le tableau)
}

## Communs aux pages publiques
unit-persons = personnes
unit-usd = dollars des États-Unis
unit-percent = pour cent
unit-thousands = milliers de { $unit }
unit-millions = millions de { $unit }
not-public-title = Chiffres non publics ici
not-public-text = La politique d'accès de cet observatoire ne publie pas ses statistiques aux lecteurs non connectés. Connectez-vous pour les voir, ou adressez-vous à l'observatoire.
last-update = Dernière mise à jour le { $date }.
never-updated = Aucun chiffre n'a encore été calculé.
no-figures-yet = Aucun chiffre n'est encore publié. Ils apparaîtront ici après la première actualisation des statistiques.
no-data-yet = pas encore de données
needs-input = Cet indicateur divise par un chiffre que les enregistrements ne contiennent pas (comme le produit intérieur brut) ; il sera publié quand l'observatoire fournira ce chiffre pour chaque année.
no-data-yet-long = Aucun chiffre n'est encore publié pour cet indicateur.
show-table = Afficher les chiffres sous forme de tableau
col-period = Période
label-total = Ensemble
label-unknown = Inconnu
flag-c = (primaire)
flag-c-text = Masqué pour protéger la vie privée : le chiffre repose sur trop peu de personnes.
flag-d = (secondaire)
flag-d-text = Également masqué pour qu'un chiffre protégé ne puisse pas être recalculé à partir des totaux.
perturbed-text = Les effectifs sont légèrement perturbés pour protéger la vie privée (méthode des clés de cellule) : quelques unités d'écart au plus, jamais entre 1 et le minimum publié, le même chiffre dans chaque tableau ; les totaux peuvent donc différer un peu de la somme de leurs parties.
obs-p = provis.
obs-provisional = Chiffre provisoire
obs-e = estim.
obs-estimated = Chiffre estimé (enquête par sondage)
chart-latest = Le graphique montre { $period } ; le tableau donne toutes les périodes.
chart-first = Il montre les { $count } premières catégories.
map-title = Carte
freq-annual = Annuelle
freq-quarterly = Trimestrielle
freq-monthly = Mensuelle

## Accueil
home-headlines = Chiffres clés
home-more = Plus de chiffres
home-all-indicators = Tous les indicateurs, par thème
home-explore = Explorer les données : choisir les ventilations et les années

## Indicateurs
indicators-title = Indicateurs
indicators-intro = Tous les indicateurs que calcule l'observatoire, par thème. Chaque page présente un graphique, un tableau, la définition, la source et les téléchargements.
theme-stocks = Effectifs de migrants
theme-flows = Flux migratoires
theme-labour = Migration de travail
theme-remittances = Transferts de fonds
theme-protection = Protection, traite, migrants disparus et réfugiés
form-by = Ventiler par
form-by2 = Puis par
form-by-none = Sans ventilation
form-period = Période
form-all-years = Toutes les années
form-show = Afficher
downloads = Téléchargements
download-csv = Tableau en CSV (libellés en français, avec les codes)
download-xlsx = Tableau en classeur Excel (XLSX)
download-sdmx-csv = Jeu de données complet en SDMX-CSV
download-sdmx-ml = Jeu de données complet en SDMX-ML (propre à la structure)
download-note = Les téléchargements contiennent les mêmes chiffres protégés que la page : les cellules masquées sont vides et signalées, jamais nulles.
about-indicator = À propos de cet indicateur
meta-definition = Définition
meta-concept = Concept statistique
meta-source = Source des données
meta-unit = Unité
meta-frequency = Périodicité
meta-dimensions = Ventilations
meta-gcm = Pacte mondial sur les migrations
gcm-objective = Objectif { $number }
meta-sdg = Objectifs de développement durable
sdg-indicator = Indicateur ODD { $code }
meta-protection = Protection des données
protection-rule = { $count ->
    [one] Un chiffre qui repose sur moins d'une personne est masqué, ainsi que les chiffres qui permettraient de le retrouver.
   *[other] Un chiffre qui repose sur moins de { $count } personnes est masqué, ainsi que les chiffres qui permettraient de le retrouver.
}
meta-years = Années publiées
meta-updated = Dernière mise à jour

## Explorateur
explore-title = Explorateur de données
explore-intro = Choisissez un indicateur, jusqu'à deux ventilations et les années, puis appuyez sur Afficher. Chaque chiffre est protégé comme ceux des pages d'indicateurs.
form-indicator = Indicateur
form-periods = Années
form-periods-hint = Aucune cochée : toutes les années.
explore-dropped = Les ventilations que cet indicateur n'a pas ont été ignorées : { $dims }.
explore-about = Définition et source de cet indicateur

## Téléchargements
download-protection = { $count ->
    [one] Chiffres protégés : les cellules qui reposent sur trop peu de personnes sont masquées (CONF_STATUS C) avec celles qui permettraient de les retrouver (D) ; une cellule masquée est vide, pas nulle.
   *[other] Chiffres protégés : les cellules qui reposent sur moins de { $count } personnes sont masquées (CONF_STATUS C) avec celles qui permettraient de les retrouver (D) ; une cellule masquée est vide, pas nulle.
}
download-flag-column = Signalement
download-flag-c = masqué pour protéger la vie privée (trop peu de personnes)
download-flag-d = masqué pour qu'une cellule protégée ne puisse pas être recalculée
download-flag-perturbed = effectif perturbé de quelques unités pour protéger la vie privée (méthode des clés de cellule)
