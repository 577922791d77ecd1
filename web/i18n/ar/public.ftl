# Public pages (home dashboard, indicators, explorer, map, downloads): ar.

## الرسوم البيانية والخرائط
chart-suppressed = محجوب لحماية الخصوصية
chart-suppressed-short = محجوب
chart-no-data = لا بيانات
chart-suppressed-note = الأرقام المحجوبة تستند إلى عدد قليل جدًا من الأشخاص بحيث لا يمكن نشرها دون خطر التعرف على أحد؛ وهي ليست أصفارًا.
map-off-grid = { $count ->
    [zero] لا مكان خارج الخريطة
    [one] مكان واحد ليس على الخريطة (انظر الجدول)
    [two] مكانان ليسا على الخريطة (انظر الجدول)
    [few] { $count } أماكن ليست على الخريطة (انظر الجدول)
   *[other] { $count } مكانًا ليست على الخريطة (انظر الجدول)
}

## مشتركة بين الصفحات العامة
unit-persons = أشخاص
unit-usd = دولارات أمريكية
unit-percent = نسبة مئوية
unit-thousands = آلاف { $unit }
unit-millions = ملايين { $unit }
not-public-title = الأرقام غير منشورة هنا
not-public-text = سياسة الوصول في هذا المرصد لا تنشر إحصاءاته للقراء غير المسجلين. سجّل الدخول للاطلاع عليها، أو اتصل بالمرصد.
last-update = آخر تحديث في { $date }.
never-updated = لم تُحسب أي أرقام بعد.
no-figures-yet = لم تُنشر أي أرقام بعد. ستظهر هنا بعد أول تحديث للإحصاءات.
no-data-yet = لا بيانات بعد
needs-input = يُقسم هذا المؤشر على رقم لا تتضمنه السجلات (مثل الناتج المحلي الإجمالي)؛ ويُنشر عندما يوفر المرصد هذا الرقم لكل سنة.
no-data-yet-long = لا توجد أرقام منشورة لهذا المؤشر بعد.
show-table = عرض الأرقام في جدول
col-period = الفترة
label-total = المجموع
label-unknown = غير معروف
flag-c = (أولي)
flag-c-text = محجوب لحماية الخصوصية: الرقم يستند إلى عدد قليل جدًا من الأشخاص.
flag-d = (ثانوي)
flag-d-text = محجوب أيضًا حتى لا يمكن استنتاج رقم محمي من المجاميع.
perturbed-text = الأعداد مشوَّشة قليلًا لحماية الخصوصية (طريقة مفتاح الخلية): بضع وحدات على الأكثر، ولا تكون أبدًا بين 1 والحد الأدنى المنشور، والرقم نفسه في كل جدول؛ لذا قد تختلف المجاميع قليلًا عن مجموع أجزائها.
obs-p = مؤقت
obs-provisional = رقم مؤقت
obs-e = تقديري
obs-estimated = رقم تقديري (مسح بالعينة)
chart-latest = يعرض الرسم { $period }؛ ويتضمن الجدول جميع الفترات.
chart-first = يعرض أول { $count } فئة.
map-title = خريطة
freq-annual = سنوي
freq-quarterly = فصلي
freq-monthly = شهري

## الصفحة الرئيسية
home-headlines = أرقام رئيسية
home-more = مزيد من الأرقام
home-all-indicators = جميع المؤشرات حسب الموضوع
home-explore = استكشاف البيانات: اختيار التصنيفات والسنوات

## المؤشرات
indicators-title = المؤشرات
indicators-intro = جميع المؤشرات التي يحسبها المرصد، حسب الموضوع. تتضمن كل صفحة رسمًا بيانيًا وجدولًا والتعريف والمصدر والتنزيلات.
theme-stocks = أعداد المهاجرين
theme-flows = تدفقات الهجرة
theme-labour = هجرة العمل
theme-remittances = التحويلات المالية
theme-protection = الحماية والاتجار والمهاجرون المفقودون واللاجئون
form-by = التصنيف حسب
form-by2 = ثم حسب
form-by-none = بدون تصنيف
form-period = الفترة
form-all-years = جميع السنوات
form-show = عرض
downloads = التنزيلات
download-csv = الجدول بصيغة CSV (التسميات بالعربية مع الرموز)
download-xlsx = الجدول بصيغة مصنف Excel ‏(XLSX)
download-sdmx-csv = مجموعة البيانات كاملة بصيغة SDMX-CSV
download-sdmx-ml = مجموعة البيانات كاملة بصيغة SDMX-ML
download-note = تتضمن التنزيلات الأرقام المحمية نفسها المعروضة في الصفحة: الخلايا المحجوبة فارغة ومعلَّمة، وليست أصفارًا أبدًا.
about-indicator = حول هذا المؤشر
meta-definition = التعريف
meta-concept = المفهوم
meta-source = المصدر
meta-unit = الوحدة
meta-frequency = الدورية
meta-dimensions = التصنيفات
meta-gcm = الاتفاق العالمي من أجل الهجرة
gcm-objective = الهدف { $number }
meta-sdg = أهداف التنمية المستدامة
sdg-indicator = مؤشر أهداف التنمية المستدامة { $code }
meta-protection = الحماية
protection-rule = { $count ->
    [one] يُحجب الرقم الذي يستند إلى أقل من شخص واحد، وكذلك الأرقام التي قد تكشفه.
   *[other] يُحجب الرقم الذي يستند إلى أقل من { $count } أشخاص، وكذلك الأرقام التي قد تكشفه.
}
meta-years = السنوات المنشورة
meta-updated = آخر تحديث

## المستكشف
explore-title = مستكشف البيانات
explore-intro = اختر مؤشرًا وما يصل إلى تصنيفين والسنوات، ثم اضغط على «عرض». كل رقم محمي مثل أرقام صفحات المؤشرات.
form-indicator = المؤشر
form-periods = السنوات
form-periods-hint = إن لم تحدد أي سنة: جميع السنوات.
explore-dropped = أُهملت التصنيفات غير المتاحة لهذا المؤشر: { $dims }.
explore-about = تعريف هذا المؤشر ومصدره

## التنزيلات
download-protection = { $count ->
    [one] أرقام محمية: تُحجب الخلايا التي تستند إلى عدد قليل جدًا من الأشخاص (CONF_STATUS C) مع الخلايا التي قد تكشفها (D)؛ والخلية المحجوبة فارغة وليست صفرًا.
   *[other] أرقام محمية: تُحجب الخلايا التي تستند إلى أقل من { $count } أشخاص (CONF_STATUS C) مع الخلايا التي قد تكشفها (D)؛ والخلية المحجوبة فارغة وليست صفرًا.
}
download-flag-column = العلامة
download-flag-c = محجوب لحماية الخصوصية (عدد قليل جدًا من الأشخاص)
download-flag-d = محجوب حتى لا يمكن استنتاج خلية محمية
download-flag-perturbed = عدد مشوَّش ببضع وحدات لحماية الخصوصية (طريقة مفتاح الخلية)
