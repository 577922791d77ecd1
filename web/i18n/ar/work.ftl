# Workspaces of signed-in users (data officers, analysts, case workers, administrators): ar.

## Sign-in
signin-title = تسجيل الدخول
signin-login = اسم المستخدم
signin-password = كلمة المرور
signin-submit = دخول
signin-passkey = الدخول بمفتاح المرور
signin-code = الرمز من تطبيق المصادقة
signin-confirm = تأكيد
signin-to-workspace = الانتقال إلى مساحة عملي
signin-passkeys = مفاتيح المرور
signin-passkey-name = اسم المفتاح الجديد
signin-add-passkey = إضافة مفتاح مرور
signin-sign-out = تسجيل الخروج
signin-failed = تعذّر تسجيل الدخول:
signin-passkey-failed = تعذّر الدخول بمفتاح المرور:

## Workspace home
work-title = مساحة عملي
work-intro = ما يتيحه لك دورك ونطاق اختصاص مؤسستك هنا:
work-bar-label = مساحة العمل
work-home = رئيسية مساحة العمل
work-sign-out = تسجيل الخروج
work-upload = إرسال ملف
work-upload-text = إرسال ملف مؤسستك ومتابعة استيراده
work-imports = عمليات الاستيراد
work-imports-text = الملفات المستلمة وتقارير استيرادها
work-quarantine = الحجر
work-quarantine-text = تنتظر الصفوف المرفوضة هنا حتى تُصحَّح ويُعاد إرسالها.
work-reviews = مراجعة المطابقات
work-reviews-text = أزواج من السجلات لم يحسمها الربط: هل هي للشخص نفسه؟
work-persons = الأشخاص
work-persons-text = البحث عن شخص بالاسم (بالحروف العربية أو اللاتينية) أو بالرقم الموحّد، وفتح ملفه.
work-accounts = المؤسسات والمستخدمون والرموز
work-accounts-text = من يمكنه الدخول وبأي أدوار، وحسابات الأنظمة
work-policy = سياسة الوصول
work-policy-text = نطاقات الاختصاص السارية
work-audit = سجل التدقيق
work-audit-text = من اطّلع على ماذا أو غيّره ومتى
work-account = حسابي
work-account-text = مفاتيح المرور وتسجيل الخروج
work-overview-records = السجلات حسب النوع
work-overview-sources = الإرسالات حسب المصدر
work-overview-recent = أحدث الإرسالات
work-none-yet = لا شيء بعد.
work-totals-over = المجاميع على آخر { $count } إرسالًا.
work-kind = النوع
work-records = السجلات

## Record kinds
work-kind-person = شخص
work-kind-border_crossing = عبور حدودي
work-kind-residence_permit = تصريح إقامة
work-kind-labour_placement = توظيف في الخارج
work-kind-consular_registration = تسجيل قنصلي
work-kind-return = عودة
work-kind-remittance_flow = تدفق تحويلات مالية
work-kind-trafficking_case = حالة اتجار بالبشر
work-kind-missing_migrant_incident = حادثة مهاجر مفقود
work-kind-census_person = فرد في التعداد

## Imports
work-source = المصدر
work-file = الملف
work-status = الحالة
work-accepted = المقبولة
work-unchanged = دون تغيير
work-rejected = المرفوضة
work-submitted-by = أرسله
work-started = البداية
work-submissions = الإرسالات
work-rows = الصفوف المقروءة
work-error = الخطأ
work-import-title = الاستيراد { $id }
work-rejected-rows = الصفوف المرفوضة
work-no-rejected = لم يُرفض أي صف.
work-correct-them = تصحيحها في الحجر
work-warnings = التنبيهات
work-no-warnings = لا تنبيهات.
work-row = الصف
work-field = الحقل
work-reason = السبب
work-status-importing = قيد الاستيراد
work-status-complete = مكتمل
work-status-rejected = مرفوض
work-status-failed = فاشل
work-status-open = مفتوح
work-status-resolved = محلول
work-status-dismissed = مستبعد

## Upload
work-upload-choose = اختر المصدر الذي جاء منه الملف:
work-no-sources = لا يمكنك إرسال ملفات لأي مصدر.
work-upload-file = الملف (CSV أو Excel أو JSON Lines)
work-upload-mapping = ملف المطابقة (اختياري، TOML)
work-upload-send = إرسال
work-upload-sending = جارٍ إرسال الملف…
work-upload-importing = جارٍ الاستيراد:
work-upload-done = تم الاستيراد. التقرير:
work-upload-failed = فشل الاستيراد:

work-phase-queued = في الانتظار
work-phase-hashing = قراءة الملف
work-phase-importing = فحص الصفوف وحفظها
work-phase-finalizing = إتاحة السجلات
work-phase-done = انتهى

## Quarantine
work-quarantine-empty = لا صف ينتظر في الحجر.
work-submission = الإرسال
work-corrected = مُصحَّح
work-correct = تصحيح
work-yes = نعم
work-no = لا
work-next-page = الصفحة التالية
work-entry-title = الصف المرفوض { $id }
work-resolved-by = حُلّ بالإرسال
work-issues = ما الخطأ
work-as-sent = كما أُرسل
work-correction = التصحيح
work-save-resubmit = حفظ وإعادة الإرسال
work-save = حفظ فقط

## Match review
work-reviews-empty = لا زوج ينتظر المراجعة.
work-left = السجل الأول
work-right = السجل الثاني
work-weight = الوزن
work-created = أُضيف إلى القائمة
work-weights = ما حدّد النتيجة: وزن كل مقارنة
work-comparison = المقارنة
work-level = المستوى
work-bar = الشريط
work-prior = الاحتمال المسبق
work-score = النتيجة
work-review-title = الزوج { $id }
work-review-open = في انتظار القرار
work-review-accepted = القرار: الشخص نفسه
work-review-rejected = القرار: شخصان مختلفان
work-accept = الشخص نفسه
work-reject = شخصان مختلفان

## Persons
work-search-label = الاسم أو الرقم الموحّد
work-purpose = الغرض من البحث
work-purpose-hint = بعض الملفات لا تُقرأ إلا لغرض مُعلَن يحفظه سجل التدقيق.
work-search = بحث
work-results = { $count ->
    [zero] لا نتائج
    [one] نتيجة واحدة
    [two] نتيجتان
    [few] { $count } نتائج
   *[other] { $count } نتيجة
}
work-no-results = لا يطابق البحثَ أيُّ شخص ضمن نطاق اختصاصك.
work-more-results = تُعرض النتائج الأولى فقط: دقّق الاسم.
work-number = الرقم الموحّد
work-name = الاسم
work-birth-date = تاريخ الميلاد
work-nationality = الجنسية
work-not-numbered = لم يُرقَّم بعد
work-file-title = الشخص { $number }
work-number-alias = (الرقم المطلوب اسم بديل لهذا الرقم)
work-records-by-source = السجلات حسب المصدر
work-nothing-in-scope = لا يقع أي سجل لهذا الشخص ضمن نطاق اختصاصك.
work-not-in-scope = خارج نطاق اختصاصك.
work-dossiers = الملفات
work-no-dossiers = لا ملف.
work-dossier-open = مفتوح
work-dossier-closed = مغلق
work-no-attachments = لا مرفقات.
work-bytes = { $size } بايت
work-fingerprints = البصمات المسجّلة
work-no-fingerprints = لا بصمة مسجّلة.
work-finger = الإصبع
work-quality = الجودة
work-institution = المؤسسة
work-enrolled = تاريخ التسجيل

## Administration
work-institutions = المؤسسات
work-title-col = التسمية
work-institution-kind = نوع المؤسسة
work-users = المستخدمون
work-login = اسم المستخدم
work-roles = الأدوار
work-second-factor = العامل الثاني
work-state = الحالة
work-active = نشط
work-disabled = معطّل
work-revoked = ملغى
work-tokens = رموز الواجهة البرمجية
work-actions = العمليات المسموح بها
work-expires = تاريخ الانتهاء
work-policy-version = الإصدار
work-audit-object-kind = الموضوع
work-audit-object-id = المعرّف (الرقم الموحّد، رقم المستخدم…)
work-when = متى
work-who = من
work-action = العملية
work-object = الهدف
work-outcome = النتيجة
work-disable = تعطيل
work-enable = تفعيل
work-revoke = إلغاء

## الحماية: الإحالات وسجل المهاجرين المفقودين
work-referrals = إحالات ضحايا الاتجار بالبشر
work-referrals-text = الإحالات التي أرسلتها مؤسستك أو تلقتها: ما هو منتظر، وممن، والإجراءات التي يمكنك اتخاذها الآن.
work-referrals-late = { $count ->
    [0] لا توجد إحالة متأخرة.
    [one] إحالة واحدة متأخرة.
    [two] إحالتان متأخرتان.
    [few] { $count } إحالات متأخرة.
   *[other] { $count } إحالة متأخرة.
  }
work-referrals-all = عرض الكل
work-referrals-only-late = عرض المتأخرة فقط
work-referral-case = الملف
work-referral-kind = الخدمة
work-referral-from-to = من ← إلى
work-referral-state = الحالة
work-referral-due = الأجل
work-referral-moves = إجراءاتك
work-referral-overdue = متأخرة بـ { $hours } ساعة، في انتظار { $who }
work-referral-reason = السبب
work-referral-move-accept = قبول
work-referral-move-decline = رفض
work-referral-move-start = بدء الخدمة
work-referral-move-complete = إتمام
work-referral-move-interrupt = إيقاف
work-referral-move-cancel = إلغاء
work-incidents = سجل المهاجرين المفقودين
work-incidents-text = المهاجرون المتوفون والمفقودون الذين أبلغت عنهم كل المصادر، مع احتساب كل حادثة مرة واحدة.
work-incidents-summary = { $incidents } حادثة من { $reports } بلاغًا: { $dead } متوفى، { $missing } مفقودًا.
work-incident-date = التاريخ
work-incident-route = المسار
work-incident-place = المنطقة والبلد
work-incident-dead = المتوفون
work-incident-missing = المفقودون
work-incident-survivors = الناجون
work-incident-reports = البلاغات
work-incident-merged = (الحادثة نفسها، عدة مصادر)

## جودة البيانات والنشر
work-data-quality = جودة البيانات حسب المصدر
work-quality-text = ما جاءت به آخر ملفات كل مصدر: الأسطر المقبولة وغير المتغيرة والمرفوضة، والحقول التي كانت سبب الرفض.
work-quality-chart = نسبة الأسطر المرفوضة حسب المصدر (%)
work-quality-rejected-share = المرفوضة (%)
work-quality-rows = الأسطر المقروءة
work-quality-unchanged = غير المتغيرة
work-quality-warnings = التنبيهات
work-quality-last = آخر استيراد
work-quality-fields = الحقول المعنية (آخر الملفات)
work-publish = نشر الإحصاءات
work-publish-text = تحديث المؤشرات المنشورة انطلاقًا من السجلات. يمر كل رقم عبر مراقبة الإفصاح قبل خروجه.
work-publish-done = تم التحديث: تغيرت { $changed } خلية من أصل { $cells }، انطلاقًا من { $records } سجلًا، في { $seconds } ثانية.
work-publish-last = آخر تحديث
work-publish-never = لم يتم أبدًا
work-publish-cells = الخلايا المنشورة
work-publish-full = إعادة حساب كل شيء (تحديث كامل)
work-publish-button = التحديث الآن
work-complaints = الشكاوى قيد المعالجة
work-complaints-text = شكاوى المهاجرين الموجهة إلى مؤسستك: ما تقوله، وما تم القيام به، والخطوات التالية.
work-complaints-open = { $count ->
    [0] لا توجد شكوى مفتوحة.
    [one] شكوى واحدة مفتوحة.
    [two] شكويان مفتوحتان.
    [few] { $count } شكاوى مفتوحة.
   *[other] { $count } شكوى مفتوحة.
  }
work-complaint-channel = وردت عبر { $channel }
work-complaint-contact = وسيلة الاتصال المقدمة:
work-complaint-note = ما تم القيام به (اختياري)
work-incident-record = تسجيل بلاغ عن مهاجرين متوفين أو مفقودين
work-incident-region = المنطقة
work-incident-country = البلد (رمز ISO أو الاسم)
work-incident-cause = سبب الوفاة
work-incident-source = المصدر (من أبلغ عنه)
work-incident-reliability = موثوقية المصدر
work-incident-save = تسجيل البلاغ
work-incident-recorded = تم تسجيل البلاغ { $id }. { $duplicates ->
    [0] لا يصف أي بلاغ سابق الحادثة نفسها.
    [one] يصف الحادثة نفسها التي وصفها بلاغ سابق: تُحتسبان مرة واحدة.
    [two] يصف الحادثة نفسها التي وصفها بلاغان سابقان: تُحتسب مرة واحدة.
   *[other] يصف الحادثة نفسها التي وصفتها { $duplicates } بلاغات سابقة: تُحتسب مرة واحدة.
  }
work-case-open = فتح ملف ضحية
work-case-exploitation = شكل الاستغلال
work-case-sex = الجنس
work-case-sex-f = أنثى
work-case-sex-m = ذكر
work-case-sex-x = جنس آخر
work-case-age = الفئة العمرية
work-case-nationality = الجنسية (رمز ISO أو الاسم)
work-case-open-button = فتح الملف
work-case-opened = تم فتح الملف { $id }: أحل الضحية إلى الخدمات التي تحتاجها أدناه.
work-age-Y_LT18 = أقل من 18 سنة
work-age-Y18T24 = من 18 إلى 24 سنة
work-age-Y25T34 = من 25 إلى 34 سنة
work-age-Y35T49 = من 35 إلى 49 سنة
work-age-Y_GE50 = 50 سنة فأكثر
work-referral-propose = إحالة ضحية إلى خدمة
work-referral-receiving = إلى المؤسسة
work-referral-note = ملاحظة للمؤسسة المتلقية
work-referral-propose-button = إرسال الإحالة

## الخطة الوطنية للميثاق العالمي
work-plan = الخطة الوطنية للميثاق العالمي
work-plan-text = إجراءات الخطة الوطنية للتنفيذ: أضف إجراءً، وحدّث إجراءاتك، وسجّل قيم المؤشرات والتقييمات. يُحفظ كل تغيير كنسخة.
work-plan-report = تقرير التقدم
work-plan-new = إضافة إجراء
work-plan-id = رمز الإجراء
work-plan-title-field = العنوان
work-plan-objectives = الأهداف (أرقام)
work-plan-owner = المؤسسة المسؤولة
work-plan-partners = الشركاء (مفصولون بفواصل)
work-plan-budget = الميزانية (وحدات كاملة)
work-plan-currency = العملة (رمز ISO)
work-plan-start = البداية
work-plan-end = النهاية
work-plan-status = الحالة
work-plan-step = المرحلة
work-plan-version = النسخة
work-plan-add = إضافة الإجراء
work-plan-save = حفظ التغيير
work-plan-change = تغيير الإجراء
work-plan-indicators = مؤشراته
work-plan-indicator = المؤشر
work-plan-baseline = خط الأساس
work-plan-target = القيمة المستهدفة
work-plan-measured = القيم المقيسة
work-plan-year = السنة
work-plan-value = القيمة
work-plan-source = المصدر
work-plan-record-value = تسجيل القيمة
work-plan-evaluations = التقييمات
work-plan-date = تاريخ التقييم
work-plan-author = الكاتب
work-plan-learned = الدروس المستفادة
work-plan-obstacles = العقبات التي صودفت (واحدة في كل سطر)
work-plan-record-evaluation = تسجيل التقييم

## البيانات الجزئية للبحث
work-microdata = البيانات الجزئية للبحث
work-microdata-text = مستخرجات من بيانات جزئية مربوطة ومستعارة الهوية للبحث المعتمد: سطر لكل شخص، بلا أسماء ولا وثائق ولا تواريخ، ولا تُسلَّم إلا إذا كان خطر إعادة التعرف دون المستوى المعمول به.
work-microdata-level = المستوى المعمول به: كل تركيبة من المعرّفات شبه المباشرة يشترك فيها { $k } أشخاص على الأقل؛ ولا يُحذف أكثر من { $percent }٪ من قيمها.
work-microdata-request = طلب مستخرج
work-microdata-purpose = الغرض:
work-microdata-project = مشروع البحث
work-microdata-kinds = المجتمع: أنواع السجلات (مفصولة بفواصل)
work-microdata-first-year = من سنة
work-microdata-last-year = إلى سنة
work-microdata-variables = المتغيرات (مفصولة بفواصل)
work-microdata-k = قيمة k أكبر (اختياري)
work-microdata-send = إرسال الطلب
work-microdata-count = { $count ->
    [zero] لا طلبات.
    [one] طلب واحد.
    [two] طلبان.
    [few] { $count } طلبات.
   *[other] { $count } طلبًا.
}
work-microdata-report = فحص الخطر على { $records } سجلًا: أصغر مجموعة { $before } قبل المعالجة، و{ $after } بعدها.
work-microdata-download = تنزيل المستخرج (CSV)
work-microdata-reasons = الأسباب
work-microdata-approve = موافقة
work-microdata-refuse = رفض
work-microdata-status-requested = مطلوب
work-microdata-status-approved = موافق عليه
work-microdata-status-refused = مرفوض
work-microdata-status-released = مُسلَّم
work-microdata-status-withdrawn = مسحوب
work-microdata-job = تمت الموافقة: يجري إعداد المستخرج ({ $phase }).
work-microdata-job-rows = عدد السجلات المُعدّة: { $rows }.
work-microdata-job-waiting = تمت الموافقة: سيُعدّ المستخرج قريبًا.
work-microdata-job-failed = تعذّر إعداد المستخرج؛ يبقى الطلب موافقًا عليه. الخطأ:
work-microdata-rebuild = إعادة الإعداد
work-microdata-phase-queued = في الانتظار
work-microdata-phase-building = إعداد السجلات
work-microdata-phase-checking-risk = فحص خطر إعادة التعرّف
work-microdata-phase-sealing = ختم الملف
work-microdata-phase-recording = تسجيل النتيجة
work-microdata-phase-failed = فشل
