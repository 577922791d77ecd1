# Workspaces of signed-in users (data officers, analysts, case workers, administrators): fr.

## Sign-in
signin-title = Connexion
signin-login = Identifiant
signin-password = Mot de passe
signin-submit = Se connecter
signin-passkey = Se connecter avec une clé d’accès
signin-code = Code de l’application d’authentification
signin-confirm = Valider
signin-to-workspace = Aller à mon espace de travail
signin-passkeys = Clés d’accès
signin-passkey-name = Nom de la nouvelle clé
signin-add-passkey = Ajouter une clé d’accès
signin-sign-out = Se déconnecter
signin-failed = La connexion a échoué :
signin-passkey-failed = La connexion par clé d’accès a échoué :

## Workspace home
work-title = Mon espace de travail
work-intro = Ce que votre rôle et le champ de compétence de votre institution vous permettent ici :
work-bar-label = Espace de travail
work-home = Accueil de l’espace
work-sign-out = Se déconnecter
work-upload = Envoyer un fichier
work-upload-text = envoyer le fichier de votre institution et suivre son import
work-imports = Importations
work-imports-text = fichiers reçus et leurs rapports d’import
work-quarantine = Quarantaine
work-quarantine-text = Les lignes rejetées attendent ici d’être corrigées et soumises à nouveau.
work-reviews = Revue des appariements
work-reviews-text = Paires d’enregistrements que le couplage n’a pas pu trancher : s’agit-il de la même personne ?
work-persons = Personnes
work-persons-text = Trouver une personne par son nom (écriture arabe ou latine) ou par son numéro unifié, et ouvrir son dossier.
work-accounts = Institutions, utilisateurs et jetons
work-accounts-text = qui peut se connecter, avec quels rôles, et les comptes machines
work-policy = Politique d’accès
work-policy-text = les champs de compétence en vigueur
work-audit = Journal d’audit
work-audit-text = qui a lu ou modifié quoi, et quand
work-account = Mon compte
work-account-text = clés d’accès et déconnexion
work-overview-records = Enregistrements par type
work-overview-sources = Soumissions par source
work-overview-recent = Soumissions récentes
work-none-yet = Rien pour l’instant.
work-totals-over = Totaux sur les { $count } dernières soumissions.
work-kind = Type
work-records = Enregistrements

## Record kinds
work-kind-person = Personne
work-kind-border_crossing = Passage de frontière
work-kind-residence_permit = Titre de séjour
work-kind-labour_placement = Placement de main-d’œuvre
work-kind-consular_registration = Immatriculation consulaire
work-kind-return = Retour
work-kind-remittance_flow = Flux de transferts de fonds
work-kind-trafficking_case = Cas de traite
work-kind-missing_migrant_incident = Incident de migrant disparu
work-kind-census_person = Personne recensée

## Imports
work-source = Source de données
work-file = Fichier
work-status = État
work-accepted = Acceptées
work-unchanged = Inchangées
work-rejected = Rejetées
work-submitted-by = Envoyé par
work-started = Début
work-submissions = Soumissions
work-rows = Lignes lues
work-error = Erreur
work-import-title = Importation { $id }
work-rejected-rows = Lignes rejetées
work-no-rejected = Aucune ligne n’a été rejetée.
work-correct-them = Les corriger dans la quarantaine
work-warnings = Avertissements
work-no-warnings = Aucun avertissement.
work-row = Ligne
work-field = Champ
work-reason = Motif
work-status-importing = en cours d’import
work-status-complete = terminé
work-status-rejected = refusé
work-status-failed = échoué
work-status-open = ouverte
work-status-resolved = résolue
work-status-dismissed = écartée

## Upload
work-upload-choose = Choisissez la source dont provient le fichier :
work-no-sources = Vous ne pouvez envoyer de fichier pour aucune source.
work-upload-file = Fichier (CSV, Excel ou JSON Lines)
work-upload-mapping = Fichier de correspondance (facultatif, TOML)
work-upload-send = Envoyer
work-upload-sending = Envoi du fichier…
work-upload-importing = Import en cours :
work-upload-done = Importé. Le rapport :
work-upload-failed = L’import a échoué :

work-phase-queued = en attente
work-phase-hashing = lecture du fichier
work-phase-importing = contrôle et enregistrement des lignes
work-phase-finalizing = publication des enregistrements
work-phase-done = terminé

## Quarantine
work-quarantine-empty = Aucune ligne n’attend en quarantaine.
work-submission = Soumission
work-corrected = Corrigée
work-correct = Corriger
work-yes = oui
work-no = non
work-next-page = Page suivante
work-entry-title = Ligne rejetée { $id }
work-resolved-by = Résolue par la soumission
work-issues = Ce qui ne va pas
work-as-sent = Telle qu’envoyée
work-correction = Valeur corrigée
work-save-resubmit = Enregistrer et soumettre à nouveau
work-save = Enregistrer seulement

## Match review
work-reviews-empty = Aucune paire n’attend de revue.
work-left = Premier enregistrement
work-right = Second enregistrement
work-weight = Poids
work-created = Mise en file
work-weights = Ce qui a décidé du score : le poids de chaque comparaison
work-comparison = Comparaison
work-level = Niveau
work-bar = Barre
work-prior = A priori
work-score = Score total
work-review-title = Paire { $id }
work-review-open = En attente de décision
work-review-accepted = Décidé : la même personne
work-review-rejected = Décidé : des personnes différentes
work-accept = Même personne
work-reject = Personnes différentes

## Persons
work-search-label = Nom ou numéro unifié
work-purpose = Finalité de la recherche
work-purpose-hint = Certains dossiers ne se lisent que pour une finalité déclarée, que le journal d’audit conserve.
work-search = Rechercher
work-results = { $count ->
    [one] Un résultat
   *[other] { $count } résultats
}
work-no-results = Aucune personne de votre champ de compétence ne correspond.
work-more-results = Seuls les premiers résultats sont affichés : précisez le nom.
work-number = Numéro unifié
work-name = Nom
work-birth-date = Date de naissance
work-nationality = Nationalité
work-not-numbered = pas encore numérotée
work-file-title = Personne { $number }
work-number-alias = (le numéro demandé est un alias de celui-ci)
work-records-by-source = Enregistrements par source
work-nothing-in-scope = Aucun enregistrement de cette personne n’est dans votre champ de compétence.
work-not-in-scope = Hors de votre champ de compétence.
work-dossiers = Dossiers de suivi
work-no-dossiers = Aucun dossier.
work-dossier-open = ouvert
work-dossier-closed = clos
work-no-attachments = Aucune pièce jointe.
work-bytes = { $size } octets
work-fingerprints = Empreintes enregistrées
work-no-fingerprints = Aucune empreinte enregistrée.
work-finger = Doigt
work-quality = Qualité
work-institution = Organisme
work-enrolled = Enregistrée le

## Administration
work-institutions = Organismes
work-title-col = Intitulé
work-institution-kind = Type d’organisme
work-users = Utilisateurs
work-login = Identifiant
work-roles = Rôles
work-second-factor = Second facteur
work-state = État du compte
work-active = actif
work-disabled = désactivé
work-revoked = révoqué
work-tokens = Jetons d’API
work-actions = Actions permises
work-expires = Expiration
work-policy-version = Version en vigueur
work-audit-object-kind = Objet concerné
work-audit-object-id = Identifiant (numéro unifié, n° d’utilisateur…)
work-when = Quand
work-who = Qui
work-action = Opération
work-object = Objet
work-outcome = Résultat
work-disable = Désactiver
work-enable = Réactiver
work-revoke = Révoquer

## Protection : orientations et registre des migrants disparus
work-referrals = Orientations des victimes de la traite
work-referrals-text = Les orientations que votre institution a envoyées ou reçues : ce qui est attendu, de qui, et les actions que vous pouvez faire maintenant.
work-referrals-late = { $count ->
    [0] Aucune orientation n’est en retard.
    [one] Une orientation est en retard.
   *[other] { $count } orientations sont en retard.
  }
work-referrals-all = Tout afficher
work-referrals-only-late = N’afficher que les retards
work-referral-case = Dossier
work-referral-kind = Type de service
work-referral-from-to = De → vers
work-referral-state = État
work-referral-due = Échéance
work-referral-moves = Vos actions
work-referral-overdue = en retard de { $hours } h, en attente de { $who }
work-referral-reason = Motif
work-referral-move-accept = Accepter
work-referral-move-decline = Refuser
work-referral-move-start = Commencer le service
work-referral-move-complete = Terminer
work-referral-move-interrupt = Interrompre
work-referral-move-cancel = Annuler
work-incidents = Registre des migrants disparus
work-incidents-text = Les migrants morts et disparus signalés par toutes les sources, chaque incident compté une seule fois.
work-incidents-summary = { $incidents } incidents issus de { $reports } signalements : { $dead } morts, { $missing } disparus.
work-incident-date = Date de l’incident
work-incident-route = Itinéraire
work-incident-place = Région et pays
work-incident-dead = Morts
work-incident-missing = Disparus
work-incident-survivors = Survivants
work-incident-reports = Signalements
work-incident-merged = (même incident, plusieurs sources)

## Qualité des données et publication
work-data-quality = Qualité des données par source
work-quality-text = Ce que les derniers fichiers de chaque source ont apporté : lignes acceptées, inchangées et refusées, et les champs en cause dans les refus.
work-quality-chart = Part des lignes refusées, par source (%)
work-quality-rejected-share = Refusées (%)
work-quality-rows = Lignes lues
work-quality-unchanged = Inchangées
work-quality-warnings = Avertissements
work-quality-last = Dernier import
work-quality-fields = Champs en cause (derniers fichiers)
work-publish = Publier les statistiques
work-publish-text = Mettre à jour les indicateurs publiés à partir des enregistrements. Chaque chiffre passe par le contrôle de la divulgation avant de sortir.
work-publish-done = Mise à jour faite : { $changed } cellules modifiées sur { $cells }, à partir de { $records } enregistrements, en { $seconds } s.
work-publish-last = Dernière mise à jour
work-publish-never = jamais
work-publish-cells = Cellules publiées
work-publish-full = Tout recalculer (mise à jour complète)
work-publish-button = Mettre à jour maintenant
work-complaints = Plaintes à traiter
work-complaints-text = Les plaintes de migrants adressées à votre institution : ce qu’elles disent, ce qui a été fait et les prochaines étapes.
work-complaints-open = { $count ->
    [0] Aucune plainte n’est ouverte.
    [one] Une plainte est ouverte.
   *[other] { $count } plaintes sont ouvertes.
  }
work-complaint-channel = reçue par { $channel }
work-complaint-contact = Contact donné :
work-complaint-note = Ce qui a été fait (facultatif)
work-incident-record = Enregistrer un signalement de migrants morts ou disparus
work-incident-region = Région
work-incident-country = Pays (code ISO ou nom)
work-incident-cause = Cause du décès
work-incident-source = Source (qui l’a signalé)
work-incident-reliability = Fiabilité de la source
work-incident-save = Enregistrer le signalement
work-incident-recorded = Signalement { $id } enregistré. { $duplicates ->
    [0] Aucun signalement antérieur ne décrit le même incident.
    [one] Il décrit le même incident qu’un signalement antérieur : ils sont comptés une seule fois.
   *[other] Il décrit le même incident que { $duplicates } signalements antérieurs : ils sont comptés une seule fois.
  }
work-case-open = Ouvrir le dossier d’une victime
work-case-exploitation = Forme d’exploitation
work-case-sex = Sexe
work-case-sex-f = Féminin
work-case-sex-m = Masculin
work-case-sex-x = Autre
work-case-age = Tranche d’âge
work-case-nationality = Nationalité (code ISO ou nom)
work-case-open-button = Ouvrir le dossier
work-case-opened = Dossier { $id } ouvert : orientez la victime vers les services dont elle a besoin ci-dessous.
work-age-Y_LT18 = Moins de 18 ans
work-age-Y18T24 = 18 à 24 ans
work-age-Y25T34 = 25 à 34 ans
work-age-Y35T49 = 35 à 49 ans
work-age-Y_GE50 = 50 ans et plus
work-referral-propose = Orienter une victime vers un service
work-referral-receiving = Vers l’institution
work-referral-note = Note pour l’institution qui reçoit
work-referral-propose-button = Envoyer l’orientation

## Le plan national du Pacte mondial
work-plan = Le plan national du Pacte mondial
work-plan-text = Les actions du plan national de mise en œuvre : en ajouter une, mettre à jour les vôtres, enregistrer les valeurs des indicateurs et les évaluations. Chaque modification est conservée comme une version.
work-plan-report = Le rapport d’avancement
work-plan-new = Ajouter une action
work-plan-id = Code de l’action
work-plan-title-field = Intitulé
work-plan-objectives = Objectifs (numéros)
work-plan-owner = Institution responsable
work-plan-partners = Partenaires (séparés par des virgules)
work-plan-budget = Budget (unités entières)
work-plan-currency = Monnaie (code ISO)
work-plan-start = Début
work-plan-end = Fin
work-plan-status = État
work-plan-step = Étape
work-plan-version = Version n°
work-plan-add = Ajouter l’action
work-plan-save = Enregistrer la modification
work-plan-change = Modifier l’action
work-plan-indicators = Ses indicateurs
work-plan-indicator = Indicateur
work-plan-baseline = Référence
work-plan-target = Cible
work-plan-measured = Mesuré
work-plan-year = Année
work-plan-value = Valeur
work-plan-source = Source de la valeur
work-plan-record-value = Enregistrer la valeur
work-plan-evaluations = Évaluations
work-plan-date = Date de l’évaluation
work-plan-author = Auteur
work-plan-learned = Enseignements
work-plan-obstacles = Obstacles rencontrés (un par ligne)
work-plan-record-evaluation = Enregistrer l’évaluation

## Microdonnées de recherche
work-microdata = Microdonnées de recherche
work-microdata-text = Extraits de microdonnées reliées et pseudonymisées pour la recherche agréée : une ligne par personne, sans nom, document ni date, diffusés seulement si le risque de réidentification est sous le niveau en vigueur.
work-microdata-level = Niveau en vigueur : chaque combinaison de quasi-identifiants partagée par au moins { $k } personnes ; au plus { $percent } % de leurs valeurs supprimées.
work-microdata-request = Demander un extrait
work-microdata-purpose = Finalité :
work-microdata-project = Projet de recherche
work-microdata-kinds = Population : types d’enregistrements (séparés par des virgules)
work-microdata-first-year = De l’année
work-microdata-last-year = à l’année
work-microdata-variables = Variables (séparées par des virgules)
work-microdata-k = Un k plus grand (facultatif)
work-microdata-send = Envoyer la demande
work-microdata-count = { $count ->
    [one] Une demande.
   *[other] { $count } demandes.
}
work-microdata-report = Contrôle du risque sur { $records } enregistrements : plus petit groupe { $before } avant traitement, { $after } après.
work-microdata-download = Télécharger l’extrait (CSV)
work-microdata-reasons = Motifs
work-microdata-approve = Approuver
work-microdata-refuse = Refuser
work-microdata-status-requested = demandé
work-microdata-status-approved = approuvé
work-microdata-status-refused = refusé
work-microdata-status-released = diffusé
work-microdata-status-withdrawn = retiré
work-microdata-job = Approuvé : l’extrait est en cours de construction ({ $phase }).
work-microdata-job-rows = { $rows } enregistrements construits.
work-microdata-job-waiting = Approuvé : l’extrait sera construit sous peu.
work-microdata-job-failed = L’extrait n’a pas pu être construit ; la demande reste approuvée. Erreur :
work-microdata-rebuild = Construire à nouveau
work-microdata-phase-queued = en attente
work-microdata-phase-building = construction des enregistrements
work-microdata-phase-checking-risk = contrôle du risque de réidentification
work-microdata-phase-sealing = scellement du fichier
work-microdata-phase-recording = enregistrement du résultat
work-microdata-phase-failed = échec
