# تقرير التقدم في تنفيذ الميثاق العالمي (marsad report gcm، صفحة البوابة): العربية.
gcm-report-title = { $country }: تقرير التقدم المحرز في تنفيذ الميثاق العالمي من أجل الهجرة الآمنة والمنظمة والنظامية، { $year }
gcm-report-made = أُعدّ من المنظومة الوطنية للمعلومات بتاريخ { $date }.
gcm-report-summary = الخلاصة
gcm-report-summary-text = { $actions ->
    [zero] لا تتضمن الخطة الوطنية أي إجراء
    [one] تتضمن الخطة الوطنية إجراءً واحدًا
    [two] تتضمن الخطة الوطنية إجراءين
    [few] تتضمن الخطة الوطنية { $actions } إجراءات
   *[other] تتضمن الخطة الوطنية { $actions } إجراءً
  }، تخدم { $objectives ->
    [zero] لا شيء من الأهداف الثلاثة والعشرين.
    [one] هدفًا واحدًا من الأهداف الثلاثة والعشرين.
    [two] هدفين من الأهداف الثلاثة والعشرين.
    [few] { $objectives } أهداف من الأهداف الثلاثة والعشرين.
   *[other] { $objectives } هدفًا من الأهداف الثلاثة والعشرين.
  }
gcm-report-by-status = الإجراءات حسب الحالة
gcm-report-status = الحالة
gcm-report-actions = الإجراءات
gcm-report-action = الإجراء
gcm-report-budget = الميزانية
gcm-report-steps = المراحل الست للتنفيذ
gcm-report-step = المرحلة
gcm-report-deliverable = ما تنتجه المرحلة
gcm-report-glance = الأهداف الثلاثة والعشرون في لمحة
gcm-report-objective = الهدف
gcm-report-objective-n = الهدف { $n }
gcm-report-indicators = المؤشرات
gcm-report-no-action = لا يخدم أي إجراء من الخطة الوطنية هذا الهدف حتى الآن.
gcm-report-no-indicator = لا يقيس أي مؤشر هذه الإجراءات حتى الآن.
gcm-report-owner = الجهة المسؤولة (الشركاء)
gcm-report-dates = التواريخ
gcm-report-baseline = خط الأساس
gcm-report-target = القيمة المستهدفة
gcm-report-trend = الاتجاه:
gcm-report-achieved = تحقق الهدف
gcm-report-period = الفترة
gcm-report-value = القيمة
gcm-report-source = المصدر
gcm-report-evaluations = التقييمات
gcm-report-learned = الدروس المستفادة:
gcm-report-obstacles = العقبات التي صودفت:
gcm-report-chart-alt = المؤشر { $code }: خط الأساس { $baseline }، القيمة المستهدفة { $target }، آخر قيمة { $latest }. { $direction }
gcm-report-should-rise = ينبغي أن يرتفع.
gcm-report-should-fall = ينبغي أن ينخفض.
gcm-deliverable-initiation = قرار حكومي بإطلاق التنفيذ، وآلية وطنية للتنسيق (تشمل الحكومة بأكملها والمجتمع بأسره) مع اختصاصاتها، وخطة عمل.
gcm-deliverable-needs_assessment = تقييم أساسي لحوكمة الهجرة في ضوء الأهداف الثلاثة والعشرين: السياسات القائمة والبيانات والثغرات والأولويات، مصادق عليه مع الأطراف المعنية.
gcm-deliverable-design = الخطة الوطنية للتنفيذ: إجراءات ذات أولوية مرتبطة بالأهداف، والجهات المسؤولة، والشركاء، والميزانيات، والجداول الزمنية، ومؤشرات بخطوط أساس وقيم مستهدفة.
gcm-deliverable-implementation = الإجراءات التي تنفذها الجهات المسؤولة عنها، مع ما يثبت ما أُنجز والموارد المعبأة.
gcm-deliverable-monitoring_evaluation = قيم المؤشرات المقيسة عبر الزمن والتقييمات التي تسجل الدروس المستفادة والعقبات، بما يغذي مراجعة الخطة.
gcm-deliverable-reporting = الاستعراض الوطني الطوعي لتنفيذ الميثاق من أجل الاستعراض الإقليمي ومنتدى استعراض الهجرة الدولية.
gcm-page-not-public = الخطة الوطنية متاحة لمستخدمي المرصد بعد تسجيل الدخول.
gcm-page-year = سنة التقرير
gcm-page-show = عرض
gcm-page-download = تنزيل التقرير (HTML)
gcm-page-pdf-hint = اطبعه بصيغة PDF من المتصفح، أو شغّل الأمر marsad report gcm.

## الشكاوى
complaint-title = تقديم شكوى
complaint-intro = يمكن للمهاجرين وأسرهم ولأي شخص ينوب عنهم إبلاغ السلطات بتجاوز أو مشكلة، بالعربية أو الفرنسية أو الإنجليزية. لا تحتاج إلى حساب. ستحصل على رقم مرجعي لمتابعة شكواك.
complaint-error = لم تُرسل الشكوى. يرجى تصحيحها:
complaint-category = بماذا تتعلق؟
complaint-category-recruitment_fees = رسوم توظيف فُرضت على العامل
complaint-category-labour_rights = ظروف العمل والأجور
complaint-category-document_retention = جواز سفر أو وثائق يحتجزها شخص آخر
complaint-category-detention = الاحتجاز
complaint-category-violence = عنف أو تهديد
complaint-category-discrimination = تمييز
complaint-category-service_access = الحصول على الصحة أو التعليم أو خدمات أخرى
complaint-category-other = أمر آخر
complaint-text = ماذا حدث؟
complaint-text-hint = اكتب باللغة التي تفضلها. اذكر متى وأين، ومن كان معنيًا إن كنت تعرف.
complaint-contact = كيف يمكننا التواصل معك؟ (اختياري)
complaint-contact-hint = رقم هاتف أو عنوان بريد إلكتروني، فقط إن كنت ترغب في أن نتواصل معك.
complaint-send = إرسال الشكوى
complaint-received = تم استلام شكواك. رقمها المرجعي هو:
complaint-keep = احتفظ بهذا الرقم: إنه الوسيلة الوحيدة لمتابعة شكواك، ولا يمكن لأحد غيرك أن يرى ما كتبته بواسطته.
complaint-follow-title = متابعة شكوى
complaint-reference = الرقم المرجعي
complaint-follow = متابعة
complaint-status = الحالة
complaint-updated = آخر تغيير
complaint-unknown = لا توجد شكوى بهذا الرقم المرجعي. تأكد من كتابته تمامًا كما تلقيته.
complaint-mistyped = هذا ليس رقمًا مرجعيًا: يُكتب CMP- متبوعًا بمجموعتين من أربعة حروف وأرقام.

## أرقام الحماية في صفحة الميثاق
gcm-protection-title = الحماية في { $year }: ضحايا الاتجار بالبشر والمهاجرون المتوفون والمفقودون
gcm-protection-text = كما نُشرت: تُحجب الخلايا المتعلقة بعدد قليل جدًا من الأشخاص حتى لا يمكن التعرف على أي شخص.
gcm-no-figures = لم يُحدَّد أي ضحية للاتجار بالبشر عبر آلية الإحالة هذه السنة.
gcm-referrals-caption = ضحايا الاتجار بالبشر المحددون والمساعَدون حسب شكل الاستغلال
gcm-exploitation = شكل الاستغلال
gcm-identified = المحددون
gcm-assisted = المساعَدون
gcm-total = المجموع
gcm-suppressed = محجوب
gcm-suppressed-note = «محجوب»: أقل من { $threshold } أشخاص، أو رقم قد يكشف مثل هذه الخلية.
gcm-no-incidents = لم يُسجَّل أي مهاجر متوفى أو مفقود هذه السنة.
gcm-sdg-caption = المهاجرون الذين توفوا أو فُقدوا (مؤشر التنمية المستدامة 10.7.3) حسب المسار
gcm-route = المسار
gcm-incidents = الحوادث
gcm-dead = المتوفون
gcm-missing = المفقودون
