# Le rapport d'avancement du Pacte mondial (marsad report gcm, page du portail) : français.
gcm-report-title = { $country } : rapport d’avancement de la mise en œuvre du Pacte mondial pour des migrations sûres, ordonnées et régulières, { $year }
gcm-report-made = Établi à partir du système national d’information le { $date }.
gcm-report-summary = Synthèse
gcm-report-summary-text = { $actions ->
    [one] Le plan national compte une action
   *[other] Le plan national compte { $actions } actions
  }, au service { $objectives ->
    [one] d’un des 23 objectifs.
   *[other] de { $objectives } des 23 objectifs.
  }
gcm-report-by-status = Actions par état d’avancement
gcm-report-status = État
gcm-report-actions = Actions
gcm-report-action = Action
gcm-report-budget = Budget
gcm-report-steps = Les six étapes de la mise en œuvre
gcm-report-step = Étape
gcm-report-deliverable = Ce que l’étape produit
gcm-report-glance = Les 23 objectifs en un coup d’œil
gcm-report-objective = Objectif
gcm-report-objective-n = Objectif { $n }
gcm-report-indicators = Indicateurs
gcm-report-no-action = Aucune action du plan national ne sert encore cet objectif.
gcm-report-no-indicator = Aucun indicateur ne mesure encore ces actions.
gcm-report-owner = Responsable (partenaires)
gcm-report-dates = Dates
gcm-report-baseline = Référence
gcm-report-target = Cible
gcm-report-trend = Tendance :
gcm-report-achieved = cible atteinte
gcm-report-period = Période
gcm-report-value = Valeur
gcm-report-source = Source
gcm-report-evaluations = Évaluations
gcm-report-learned = Enseignements :
gcm-report-obstacles = Obstacles rencontrés :
gcm-report-chart-alt = Indicateur { $code } : référence { $baseline }, cible { $target }, dernière valeur { $latest }. { $direction }
gcm-report-should-rise = Il doit augmenter.
gcm-report-should-fall = Il doit diminuer.
gcm-deliverable-initiation = Une décision gouvernementale lançant la mise en œuvre, un mécanisme national de coordination (associant l’ensemble des pouvoirs publics et de la société) avec son mandat, et un plan de travail.
gcm-deliverable-needs_assessment = Un état des lieux de la gouvernance des migrations au regard des 23 objectifs : politiques existantes, données, lacunes et priorités, validé avec les parties prenantes.
gcm-deliverable-design = Le plan national de mise en œuvre : actions prioritaires rattachées aux objectifs, responsables, partenaires, budgets, calendriers, et indicateurs avec valeurs de référence et cibles.
gcm-deliverable-implementation = Les actions menées par leurs responsables, avec les preuves de ce qui a été fait et les ressources mobilisées.
gcm-deliverable-monitoring_evaluation = Les valeurs mesurées des indicateurs dans le temps et les évaluations consignant les enseignements et les obstacles, qui alimentent la révision du plan.
gcm-deliverable-reporting = L’examen national volontaire de la mise en œuvre du Pacte pour l’examen régional et le Forum d’examen des migrations internationales.
gcm-page-not-public = Le plan national est partagé avec les utilisateurs connectés de l’observatoire.
gcm-page-year = Année du rapport
gcm-page-show = Afficher
gcm-page-download = Télécharger le rapport (HTML)
gcm-page-pdf-hint = Imprimez-le en PDF depuis le navigateur, ou lancez marsad report gcm.

## Plaintes
complaint-title = Déposer une plainte
complaint-intro = Les migrants, leurs familles et toute personne agissant en leur nom peuvent signaler aux autorités un abus ou un problème, en arabe, en français ou en anglais. Aucun compte n’est nécessaire. Vous recevez un numéro de référence pour suivre votre plainte.
complaint-error = La plainte n’a pas été envoyée. Veuillez la corriger :
complaint-category = De quoi s’agit-il ?
complaint-category-recruitment_fees = Frais de recrutement demandés au travailleur
complaint-category-labour_rights = Conditions de travail et salaires
complaint-category-document_retention = Passeport ou documents retenus par un tiers
complaint-category-detention = Détention
complaint-category-violence = Violences ou menaces
complaint-category-discrimination = Discrimination
complaint-category-service_access = Accès à la santé, à l’éducation ou à d’autres services
complaint-category-other = Autre chose
complaint-text = Que s’est-il passé ?
complaint-text-hint = Écrivez dans la langue de votre choix. Précisez quand et où, et qui était impliqué si vous le savez.
complaint-contact = Comment vous joindre ? (facultatif)
complaint-contact-hint = Un numéro de téléphone ou une adresse électronique, seulement si vous souhaitez être contacté.
complaint-send = Envoyer la plainte
complaint-received = Votre plainte a été reçue. Son numéro de référence est :
complaint-keep = Conservez ce numéro : c’est le seul moyen de suivre votre plainte, et personne d’autre ne peut voir ce que vous avez écrit grâce à lui.
complaint-follow-title = Suivre une plainte
complaint-reference = Numéro de référence
complaint-follow = Suivre
complaint-status = État
complaint-updated = Dernière modification
complaint-unknown = Aucune plainte ne porte ce numéro de référence. Vérifiez qu’il est écrit exactement comme vous l’avez reçu.
complaint-mistyped = Ce n’est pas un numéro de référence : il s’écrit CMP- suivi de deux groupes de quatre lettres et chiffres.

## Chiffres de la protection sur la page du Pacte
gcm-protection-title = La protection en { $year } : victimes de la traite, migrants morts et disparus
gcm-protection-text = Tels que publiés : les cellules portant sur trop peu de personnes sont masquées afin que personne ne puisse être identifié.
gcm-no-figures = Aucune victime de la traite n’a été identifiée par le mécanisme d’orientation cette année.
gcm-referrals-caption = Victimes de la traite identifiées et assistées, par forme d’exploitation
gcm-exploitation = Forme d’exploitation
gcm-identified = Identifiées
gcm-assisted = Assistées
gcm-total = Ensemble
gcm-suppressed = masqué
gcm-suppressed-note = « masqué » : moins de { $threshold } personnes, ou un chiffre qui révélerait une telle cellule.
gcm-no-incidents = Aucun migrant mort ou disparu n’a été enregistré cette année.
gcm-sdg-caption = Migrants morts ou disparus (ODD 10.7.3), par itinéraire
gcm-route = Itinéraire
gcm-incidents = Incidents recensés
gcm-dead = Morts
gcm-missing = Disparus
